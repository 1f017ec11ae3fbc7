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
        if (node.isTextual() && SubjectKeys.isSealed(node.asText())) {
            return TextNode.valueOf(keys.open(node.asText()));
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(field -> copy.set(field.getKey(), opened(field.getValue(), keys)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> copy.add(opened(item, keys)));
            return copy;
        }
        return node;
    }
}
