package org.coverledger.query.document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.coverledger.events.policy.Product;
import org.junit.jupiter.api.Test;

/** The e-policy PDF read back as a viewer would: Chinese names drawn, a missing glyph no failure. */
class EPolicyDocumentTest {

    private static final String FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

    private static EPolicyDocument.Content content(String holder) {
        return new EPolicyDocument.Content("pol-1", "PN20261129ABCDEF0123", holder, "周小川", "CHILD", null,
                Product.HEALTH, new BigDecimal("300000"), new BigDecimal("675.00"), "MONTHLY", "2026-12-06",
                "2027-12-05", "Asia/Shanghai", "2026-11", "IN_FORCE",
                EPolicyDocument.verificationCode("pol-1", "PN20261129ABCDEF0123", new BigDecimal("300000"),
                        new BigDecimal("675.00"), "2026-12-06", "2027-12-05"));
    }

    private static String textOf(byte[] pdf) throws Exception {
        try (PDDocument document = Loader.loadPDF(pdf)) {
            return new PDFTextStripper().getText(document);
        }
    }

    @Test
    void names_in_chinese_are_drawn_and_read_back() throws Exception {
        String text = textOf(new EPolicyDocument(FONT).render(content("王小明")));
        assertThat(text).contains("王小明", "周小川 (CHILD)", "PN20261129ABCDEF0123", "CNY 675.00 a year, paid MONTHLY",
                "2026-12-06 00:00 to 2027-12-05 24:00 (Asia/Shanghai)", "法定继承人");
        assertThat(text.replaceAll("\\s+", "")).contains(EPolicyDocument.verificationCode("pol-1",
                "PN20261129ABCDEF0123", new BigDecimal("300000.00"), new BigDecimal("675"), "2026-12-06", "2027-12-05"));
    }

    @Test
    void a_character_the_font_lacks_is_shown_as_a_question_mark_not_a_failure() throws Exception {
        String text = textOf(new EPolicyDocument(FONT).render(content("王\uD83D\uDE00明")));
        assertThat(text).contains("王?明");
    }

    @Test
    void without_its_font_the_document_is_unavailable_not_broken() {
        assertThatThrownBy(() -> new EPolicyDocument("/no/such/font.ttc").render(content("王小明")))
                .isInstanceOf(EPolicyDocument.Unavailable.class).hasMessageContaining("fonts-wqy-microhei");
    }
}
