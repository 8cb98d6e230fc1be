"""The table of the ``propdesk`` commands: section, name, where it lives, short help.

``propdesk --help`` lists the commands from this table without importing any of
them; a command's module is imported only when that command runs.  Adding a
command module is one line here.
"""

from __future__ import annotations

_VERB = "propdesk.cli.verbs:command"

# (section, name, "module:attribute", short help).  The attribute is a click
# command, or a function ``(name) -> click command`` (the desk's verbs).
COMMANDS: list[tuple[str, str, str, str]] = [
    ("desk", "record", _VERB, "录入 Take a piece of information into the log"),
    ("desk", "classify", _VERB, "分类 Set or change the category"),
    ("desk", "dispatch", _VERB, "派单 Issue a work order (routing chooses without --to)"),
    ("desk", "confirm", _VERB, "复述确认 The assignee read the order back"),
    ("desk", "acknowledge", _VERB, "签收 The assignee signed for the work order"),
    ("desk", "contact-owner", _VERB, "联系业主 Appointment: the owner was contacted ahead"),
    ("desk", "arrive", _VERB, "到场 The assignee is on site"),
    ("desk", "diagnose", _VERB, "诊断 Record the diagnosis on site"),
    ("desk", "plan", _VERB, "拟定方案 The initial plan, with fee items"),
    ("desk", "agree", _VERB, "方案确认 The source agreed the plan"),
    ("desk", "unable", _VERB, "无法处理 The assignee cannot handle or coordinate it"),
    ("desk", "complete", _VERB, "处理完毕 Work finished (or resolved at the desk)"),
    ("desk", "accept", _VERB, "验收合格 The source accepted the work and signed"),
    ("desk", "reject", _VERB, "验收不合格 Acceptance failed: rework"),
    ("desk", "return", _VERB, "返回前台 The form is back at the desk, complete"),
    ("desk", "callback", _VERB, "回访 The desk called the source back"),
    ("desk", "close", _VERB, "关闭 Archive a called-back ticket"),
    ("desk", "reply", _VERB, "答复 A reply to the source"),
    ("desk", "escalate", _VERB, "上报 Raise the escalation level"),
    ("desk", "transfer", _VERB, "转派 Move the work to another person"),
    ("desk", "amend", _VERB, "更正 Correct a recorded field"),
    ("desk", "follow-up", _VERB, "跟进 A follow-up note"),
    ("desk", "sample-callback", _VERB, "抽样回访 A sampled callback (supervisor, foreman)"),
    ("desk", "cancel", _VERB, "撤销 Withdrawn by the source"),
    ("read", "show", "propdesk.cli.read:show", "Show one ticket: record, work orders, history"),
    ("read", "list", "propdesk.cli.read:list_cmd", "List tickets: state, category, person, period"),
    ("read", "board", "propdesk.cli.slacmds:board", "Live board of open tickets, SLA countdowns"),
    ("read", "sla", "propdesk.cli.slacmds:sla", "SLA status of every ticket at a time"),
    ("read", "due", "propdesk.cli.slacmds:due", "What falls due or is overdue until a time"),
    ("read", "kpi", "propdesk.cli.reports:kpi", "The indicators (信息三率) of a period"),
    ("read", "report", "propdesk.cli.reports:report", "Weekly, monthly or quarterly report"),
    ("data", "apply", "propdesk.cli.datacmds:apply", "Apply a batch file of commands (JSON Lines)"),
    ("data", "export", "propdesk.cli.datacmds:export", "Export the whole event log (JSON Lines)"),
    ("data", "import", "propdesk.cli.datacmds:import_cmd", "Import an export into an empty store"),
    ("data", "audit", "propdesk.cli.datacmds:audit", "Verify the event log's hash chain"),
    ("data", "simulate", "propdesk.cli.simulate:simulate",
     "模拟 Simulate a scenario (seeds, sweeps)"),
    ("notify", "watch", "propdesk.cli.watch:watch", "Raise SLA alerts, deliver notifications"),
    ("notify", "notify", "propdesk.cli.notify:notify", "The notification outbox: list, retry"),
    ("setup", "init", "propdesk.cli.setupcmds:init",
     "Create the configured store (and a starter propdesk.toml if none)"),
    ("setup", "config", "propdesk.cli.setupcmds:config", "Show or check the configuration"),
    ("setup", "plugins", "propdesk.cli.setupcmds:plugins", "Installed plugins, stores and formats"),
    ("setup", "demo", "propdesk.cli.demo:demo", "A demo community and a day at the desk"),
]

SECTIONS = {
    "desk": "Desk work 前台作业",
    "read": "Reading 查询",
    "data": "Data 数据",
    "notify": "Notifications 通知",
    "setup": "Setup 设置",
}
