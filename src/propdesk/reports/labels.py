"""Report labels in Simplified Chinese and English (the indicator names of
《信息三率统计表》 and the section titles); shared labels come from
:mod:`propdesk.domain.labels`."""

from __future__ import annotations

from propdesk.domain.labels import Lang, label

INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "K-1": ("及时率", "Timeliness"),
    "K-2": ("信息准确率", "Information accuracy"),
    "K-3": ("信息识别率", "Identification rate"),
    "K-4": ("业主满意率", "Owner satisfaction"),
    "K-5": ("处理合格率", "Pass rate"),
    "K-6": ("回访率", "Callback rate"),
    "K-7": ("投诉处理率", "Complaint handling rate"),
    "K-8": ("零修、急修及时率", "Repair timeliness"),
    "K-9": ("设施设备完好率", "Facility availability"),
    "K-12": ("抽样回访一致率", "Sampled callbacks agreeing"),
    "K-13": ("重大治安案件", "Major security incidents"),
}

INDICATOR_DEFINITIONS: dict[str, tuple[str, str]] = {
    "K-1": ("无任何时限违规的工单 / 全部工单", "tickets with no breached rule / all tickets"),
    "K-2": ("录入完整且从未更正的工单 / 全部工单",
            "tickets recorded complete and never amended / all tickets"),
    "K-3": ("首次分类从未更改的工单 / 已分类工单",
            "tickets whose first category was never changed / classified tickets"),
    "K-4": ("最后一次回访满意或基本满意的工单 / 有回访的工单",
            "tickets whose last callback was satisfied or basically satisfied / "
            "tickets with a callback"),
    "K-5": ("首次验收即合格且从未返工的工单 / 已验收工单",
            "accepted at the first acceptance and never reworked / accepted tickets"),
    "K-6": ("已回访工单 / 已返回前台或前台直接处理的工单",
            "tickets called back / tickets returned or resolved at the desk"),
    "K-7": ("已关闭投诉 / 全部投诉", "complaints closed / complaints"),
    "K-8": ("无时限违规的工程工单 / 工程工单",
            "engineering tickets with no breached rule / engineering tickets"),
    "K-9": ("期间平均完好台数 / 总台数", "average intact assets in the period / all assets"),
    "K-12": ("与前台回访一致的抽样回访 / 抽样回访",
             "sampled callbacks agreeing with the desk's callback / sampled callbacks"),
    "K-13": ("因物业管理责任造成的重大治安案件（宗）",
             "major security incidents caused by the company's management (count)"),
}

REPORT_LABELS: dict[str, tuple[str, str]] = {
    "weekly": ("信息三率统计表（周报）", "Information statistics (weekly)"),
    "monthly": ("信息三率统计表（月报）", "Information statistics (monthly)"),
    "custom": ("信息三率统计表", "Information statistics"),
    "public": ("公开管理报告", "Public management report"),
    "public_section": ("呼叫前台信息处理统计", "Front desk statistics"),
    "indicators": ("指标", "Indicators"),
    "indicator": ("指标", "Indicator"),
    "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"),
    "value": ("实际", "Value"),
    "target": ("目标", "Target"),
    "met": ("达标", "Met"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "na": ("n/a", "n/a"),
    "by_category": ("按分类", "By category"),
    "by_source": ("按信息源点", "By source"),
    "by_department": ("按部门", "By department"),
    "by_assignee": ("按责任人", "By assignee"),
    "breaches": ("时限违规（按规则）", "Breaches by rule"),
    "charges": ("有偿服务收费（R-61、R-62）", "Paid services (R-61, R-62)"),
    "charged": ("收费的工单", "Tickets charged"),
    "charge_differs": ("收费与约定方案不符（已标记）",
                       "Charged other than the agreed plan (flagged)"),
    "charge_disputed": ("收费有争议", "Charge disputed"),
    "trend": ("各周趋势", "Weekly trend"),
    "count": ("数量", "Count"),
    "col_category": ("分类", "Category"),
    "col_source": ("信息源点", "Source"),
    "col_department": ("部门", "Department"),
    "col_assignee": ("责任人", "Assignee"),
    "col_rule": ("时限规则", "Rule"),
    "col_charge": ("收费情况", "Charges"),
    "period": ("统计期间", "Period"),
    "as_of": ("数据截至", "As of"),
    "community": ("小区", "Community"),
    "received": ("收到信息", "Tickets received"),
    "cancelled": ("已撤销", "Cancelled"),
    "none": ("（无）", "(none)"),
    "undispatched": ("（未派单/前台处理）", "(not dispatched / desk)"),
    "unclassified": ("（未分类）", "(unclassified)"),
    "week": ("周", "Week"),
    "questions": ("本报告公布后一周内，小区主管公开接受业主质询。",
                  "For one week after publication the community supervisor answers "
                  "owners' questions about this report."),
    "definitions": ("指标定义", "Definitions"),
}

RULE_LABELS: dict[str, tuple[str, str]] = {
    "S-1": ("1分钟内录入", "record within 1 minute"),
    "S-2": ("立即/5分钟内回复", "reply within 5 minutes"),
    "S-3": ("2分钟内分类及传递", "classify and transmit within 2 minutes"),
    "S-4": ("紧急信息90秒内传递", "emergency transmitted within 90 s"),
    "S-5": ("10分钟内到场", "on site within 10 minutes"),
    "S-6": ("提前15分钟联系业主", "contact owner 15 min ahead"),
    "S-7": ("预约时间前签收", "sign for before the appointment"),
    "S-8": ("提前3-5分钟到达", "arrive 3-5 minutes early"),
    "S-9": ("15分钟内安排或答复", "arranged or answered within 15 minutes"),
    "S-10": ("3分钟内制定初步方案", "plan within 3 minutes"),
    "S-11": ("5分钟内上报主管", "report to supervisor within 5 minutes"),
    "S-12": ("当日未解决上报经理会议", "not solved the same day: managers' meeting"),
    "S-13": ("2分钟内回访", "call back within 2 minutes"),
}


def text(key: str, lang: Lang) -> str:
    """A report label."""
    return label(REPORT_LABELS, key, lang)
