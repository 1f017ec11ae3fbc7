package org.coverledger.query.document;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.ProductCatalogue;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The e-policy as a PDF (Apache PDFBox), in Chinese and English, with a CJK font embedded as a
 * subset so that any viewer shows the names: by default WenQuanYi Micro Hei from Debian's
 * {@code fonts-wqy-microhei} (Apache-2.0 or GPL-3+ with the font exception;
 * {@code coverledger.documents.cjk-font} names another TrueType file or collection). The
 * verification code is the SHA-256 of the policy's terms as PolicyIssued recorded them
 * ({@link #verificationCode}), so the audit trail confirms it.
 */
@Component
public class EPolicyDocument {

    /** What the document shows, as the views hold it. */
    public record Content(String policyId, String policyNumber, String policyholderName, String insuredName,
                          String relationship, String beneficiary, Product product, BigDecimal sumInsured,
                          BigDecimal premium, String paymentPlan, String startDate, String endDate, String zone,
                          String termsVersion, String status, String verificationCode) {
    }

    /** The document could not be made here: its font is missing (an operator's matter, 503). */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final File fontFile;

    public EPolicyDocument(@Value("${coverledger.documents.cjk-font}") String fontFile) {
        this.fontFile = new File(fontFile);
    }

    /**
     * The hex SHA-256 of {@code policyId|policyNumber|sumInsured|premium|startDate|endDate}, the
     * amounts as plain decimals with two places and the dates as ISO dates, exactly as the
     * PolicyIssued entry of the audit trail shows them.
     */
    public static String verificationCode(String policyId, String policyNumber, BigDecimal sumInsured,
                                          BigDecimal premium, String startDate, String endDate) {
        String canonical = String.join("|", policyId, policyNumber, plain(sumInsured), plain(premium), startDate, endDate);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String plain(BigDecimal amount) {
        return amount.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    public byte[] render(Content content) {
        if (!fontFile.isFile()) {
            throw new Unavailable("The CJK font " + fontFile + " is missing; install fonts-wqy-microhei or set "
                    + "coverledger.documents.cjk-font.", null);
        }
        boolean collection = fontFile.getName().toLowerCase().endsWith(".ttc");
        try (TrueTypeCollection fonts = collection ? new TrueTypeCollection(fontFile) : null;
             PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDFont font = fonts == null ? PDType0Font.load(document, fontFile) : firstOf(document, fonts);
            PDDocumentInformation info = document.getDocumentInformation();
            info.setTitle("E-policy " + content.policyNumber());
            info.setCreator("CoverLedger");
            PDPage page = new PDPage(PDRectangle.A4);
            document.addPage(page);
            List<String[]> lines = lines(content);
            try (PDPageContentStream text = new PDPageContentStream(document, page)) {
                text.beginText();
                text.setFont(font, 18);
                text.newLineAtOffset(56, 780);
                text.showText(drawable(font, "电子保单  E-policy"));
                text.setFont(font, 11);
                text.setLeading(19);
                text.newLine();
                text.newLine();
                for (String[] line : lines) {
                    text.showText(drawable(font, line[0].isEmpty() ? "                              " + line[2]
                            : line[0] + "  " + line[1] + ":  " + line[2]));
                    text.newLine();
                }
                text.endText();
            }
            document.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The text with every character the font cannot draw (a rare character of a name, a control
     * character) shown as U+FFFD's stand-in "?", so that one missing glyph never fails the document.
     */
    static String drawable(PDFont font, String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(codePoint -> {
            String character = new String(Character.toChars(codePoint));
            try {
                font.encode(character);
                out.append(character);
            } catch (IOException | IllegalArgumentException e) {
                out.append('?');
            }
        });
        return out.toString();
    }

    /** The collection's first font, embedded as a subset (the collection stays open until the document is saved). */
    private static PDFont firstOf(PDDocument document, TrueTypeCollection collection) throws IOException {
        List<TrueTypeFont> fonts = new ArrayList<>();
        collection.processAllFonts(fonts::add);
        return PDType0Font.load(document, fonts.get(0), true);
    }

    private static List<String[]> lines(Content c) {
        ProductCatalogue.Definition product = ProductCatalogue.of(c.product());
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"保单号", "Policy number", c.policyNumber()});
        lines.add(new String[] {"状态", "Status", c.status()});
        lines.add(new String[] {"险种", "Product", c.product() + " (" + product.title() + ")"});
        lines.add(new String[] {"投保人", "Policyholder", c.policyholderName()});
        lines.add(new String[] {"被保险人", "Insured", c.insuredName() + (c.relationship() == null ? "" : " (" + c.relationship() + ")")});
        lines.add(new String[] {"受益人", "Beneficiary", c.beneficiary() == null ? "法定继承人 legal heirs" : c.beneficiary()});
        lines.add(new String[] {"保险金额", "Sum insured", "CNY " + plain(c.sumInsured())});
        for (ProductCatalogue.Coverage coverage : product.coverages()) {
            lines.add(new String[] {"  保障", "  Coverage", coverage.title() + ": up to CNY "
                    + plain(c.sumInsured().multiply(coverage.limitShare()))});
        }
        lines.add(new String[] {"免赔额", "Deductible", "CNY " + plain(product.deductible())});
        lines.add(new String[] {"等待期", "Waiting period", product.waitingPeriodDays() + " days"});
        lines.add(new String[] {"保费", "Premium", "CNY " + plain(c.premium()) + " a year, paid " + c.paymentPlan()});
        lines.add(new String[] {"保险期间", "Period", c.startDate() + " 00:00 to " + c.endDate() + " 24:00 (" + c.zone() + ")"});
        lines.add(new String[] {"条款版本", "Terms version", c.termsVersion()});
        lines.add(new String[] {"验证码", "Verification code", c.verificationCode().substring(0, 32)});
        lines.add(new String[] {"", "", c.verificationCode().substring(32)});
        return lines;
    }
}
