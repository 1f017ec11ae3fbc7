package org.coverledger.query.claim;

import java.util.Locale;
import java.util.Map;

import org.coverledger.events.claim.ClaimApi.ReasonCode;

/**
 * The plain words a customer reads on the progress page, in English and Chinese: where the claim
 * stands, each step of its timeline, what happens next, and why an assessment approved less.
 */
final class ClaimWords {

    private ClaimWords() {
    }

    private record Words(String english, String chinese) {
        String in(Locale locale) {
            return ClaimWords.chinese(locale) ? chinese : english;
        }
    }

    static boolean chinese(Locale locale) {
        return locale != null && Locale.CHINESE.getLanguage().equals(locale.getLanguage());
    }

    private static final Map<String, Words> STATUS = Map.of(
            "SUBMITTED", new Words("The claim is submitted.", "理赔申请已提交。"),
            "MATERIALS_REQUESTED", new Words("The adjuster asked for more materials.", "理赔员需要您补充材料。"),
            "UNDER_REVIEW", new Words("The adjuster is reviewing the claim.", "理赔员正在审核您的理赔申请。"),
            "AWAITING_SECOND_APPROVAL", new Words("The assessment waits for a second approval.", "理赔核定结果等待复核审批。"),
            "APPROVED", new Words("The claim is approved; the payout is on its way.", "理赔已批准，正在安排赔款支付。"),
            "PAYOUT_FAILED", new Words("The payout could not be made.", "赔款支付未成功。"),
            "CLOSED", new Words("The claim is closed.", "理赔案件已结案。"));

    private static final Map<String, Words> STEP = Map.ofEntries(
            Map.entry("SUBMITTED", new Words("Claim submitted", "提交理赔申请")),
            Map.entry("ASSIGNED", new Words("Adjuster assigned", "分配理赔员")),
            Map.entry("MATERIALS_REQUESTED", new Words("Materials requested", "要求补充材料")),
            Map.entry("MATERIAL_UPLOADED", new Words("Material uploaded", "上传材料")),
            Map.entry("MATERIALS_PROVIDED", new Words("Materials provided", "材料已补齐")),
            Map.entry("MATERIALS_REMINDED", new Words("Reminded of the materials due", "提醒补充材料")),
            Map.entry("ASSESSED", new Words("Claim assessed", "理赔核定")),
            Map.entry("APPROVED", new Words("Claim approved", "理赔批准")),
            Map.entry("SECOND_APPROVAL_REFUSED", new Words("Second approval refused", "复核未通过")),
            Map.entry("PAYOUT_FAILED", new Words("Payout attempt failed", "赔款支付失败")),
            Map.entry("PAID", new Words("Paid", "赔款已支付")),
            Map.entry("PAYOUT_CARD_CHANGED", new Words("Payout card changed", "更换收款银行卡")),
            Map.entry("WITHDRAWN", new Words("Claim withdrawn", "撤回理赔申请")),
            Map.entry("CLOSED", new Words("Claim closed", "结案")),
            Map.entry("REOPENED", new Words("Claim reopened", "重新开启案件")));

    private static final Map<String, Words> NEXT = Map.ofEntries(
            Map.entry("SUBMITTED", new Words("The adjuster reviews the claim and may ask for materials.",
                    "理赔员将审核您的申请，可能需要您补充材料。")),
            Map.entry("MATERIALS_REQUESTED", new Words("Upload the materials asked for, then confirm they are complete.",
                    "请上传所需材料，并确认材料已补齐。")),
            Map.entry("UNDER_REVIEW", new Words("The adjuster assesses the claim.", "理赔员将核定您的理赔申请。")),
            Map.entry("AWAITING_SECOND_APPROVAL", new Words("A second approver decides on the assessment.",
                    "复核人员将审批核定结果。")),
            Map.entry("APPROVED", new Words("The payout is made to your payout card.", "赔款将支付至您的收款银行卡。")),
            Map.entry("APPROVED_RETRYING", new Words("The payout is tried again.", "系统将再次尝试支付赔款。")),
            Map.entry("PAYOUT_FAILED", new Words("Check your payout card or change it; an administrator then tries "
                    + "the payout again.", "请核对或更换收款银行卡，管理员随后将重新支付。")),
            Map.entry("PAYOUT_FAILED_CARD_CHANGED", new Words("An administrator tries the payout again.",
                    "管理员将重新支付赔款。")),
            Map.entry("CLOSED", new Words("Nothing more: the claim is closed.", "无需其他操作，案件已结案。")));

    private static final Map<String, Words> OUTCOME = Map.of(
            "PAID", new Words("Paid", "已赔付"),
            "REJECTED", new Words("Rejected", "拒赔"),
            "WITHDRAWN", new Words("Withdrawn", "已撤回"),
            "MATERIALS_NOT_PROVIDED", new Words("Closed: the materials were not provided in time", "因未按时补充材料结案"),
            "DUPLICATE", new Words("Closed as a duplicate", "重复申请，已结案"));

    private static final Map<ReasonCode, String> REASON_CHINESE = Map.of(
            ReasonCode.NOT_COVERED, "该项目不在保单保障范围内。",
            ReasonCode.EXCLUSION, "该项目属于保单责任免除范围。",
            ReasonCode.WAITING_PERIOD, "事故发生在保单等待期内。",
            ReasonCode.OUTSIDE_COVER, "事故发生在保险期间之外。",
            ReasonCode.INSUFFICIENT_EVIDENCE, "所提供材料不能证明该项费用。",
            ReasonCode.ABOVE_LIMIT, "超出该保障的赔偿限额。",
            ReasonCode.DUPLICATE, "该项目已申请过理赔。");

    static String status(String status, Locale locale) {
        return words(STATUS, status, locale);
    }

    static String step(String step, Locale locale) {
        return words(STEP, step, locale);
    }

    static String next(String key, Locale locale) {
        return words(NEXT, key, locale);
    }

    static String outcome(String outcome, Locale locale) {
        return words(OUTCOME, outcome, locale);
    }

    static String reason(String code, Locale locale) {
        ReasonCode reason;
        try {
            reason = ReasonCode.valueOf(code);
        } catch (IllegalArgumentException | NullPointerException e) {
            return code;
        }
        return chinese(locale) ? REASON_CHINESE.get(reason) : reason.words();
    }

    private static String words(Map<String, Words> table, String key, Locale locale) {
        Words words = key == null ? null : table.get(key);
        return words == null ? key : words.in(locale);
    }
}
