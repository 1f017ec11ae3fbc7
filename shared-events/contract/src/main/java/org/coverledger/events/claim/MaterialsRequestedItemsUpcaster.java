package org.coverledger.events.claim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * MaterialsRequested revision 3 to 4: an item was a line of text; now it names its category. An
 * old item reads as {@code {category: OTHER, description: <its text>}}, with no due date.
 */
public class MaterialsRequestedItemsUpcaster extends SingleEventUpcaster {

    private static final String TYPE = ClaimApi.MaterialsRequested.class.getName();

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return TYPE.equals(representation.getType().getName()) && "3".equals(representation.getType().getRevision());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(new SimpleSerializedType(TYPE, "4"), JsonNode.class, payload -> {
            ObjectNode event = ((ObjectNode) payload).deepCopy();
            ArrayNode items = event.arrayNode();
            JsonNode old = event.get("items");
            if (old != null && old.isArray()) {
                for (JsonNode item : old) {
                    items.addObject().put("category", ClaimApi.MaterialCategory.OTHER.name())
                            .put("description", item.asText());
                }
            }
            event.set("items", items);
            event.putNull("dueOn");
            return event;
        });
    }
}
