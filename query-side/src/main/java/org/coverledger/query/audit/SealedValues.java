package org.coverledger.query.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.coverledger.privacy.SubjectKeys;

/** Personal data in a JSON tree, opened: each value sealed under a customer's key is replaced by its clear value. */
final class SealedValues {

    private SealedValues() {
    }

    /**
     * A copy with every sealed string opened ("[erased]" after an erasure). Sealing draws a fresh
     * nonce each time, so this is also how two trees holding the same personal data compare equal.
     */
    static JsonNode opened(JsonNode node, SubjectKeys keys) {
        return shown(node, keys, true);
    }

    /** A copy with every sealed string opened, or, for a reader without a need for personal data, withheld. */
    static JsonNode shown(JsonNode node, SubjectKeys keys, boolean opened) {
        if (node.isTextual() && SubjectKeys.isSealed(node.asText())) {
            return TextNode.valueOf(opened ? keys.open(node.asText()) : AuditQueryController.WITHHELD);
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(field -> copy.set(field.getKey(), shown(field.getValue(), keys, opened)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> copy.add(shown(item, keys, opened)));
            return copy;
        }
        return node;
    }
}
