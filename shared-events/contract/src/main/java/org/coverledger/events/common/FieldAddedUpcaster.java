package org.coverledger.events.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * An event's next revision added a field that older events cannot know: they read with none
 * ({@code null}), and readers of the field say what that means.
 */
public class FieldAddedUpcaster extends SingleEventUpcaster {

    private final String type;
    private final String fromRevision;
    private final String toRevision;
    private final String[] fields;

    public FieldAddedUpcaster(Class<?> event, String fromRevision, String toRevision, String... fields) {
        this.type = event.getName();
        this.fromRevision = fromRevision;
        this.toRevision = toRevision;
        this.fields = fields;
    }

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return type.equals(representation.getType().getName())
                && java.util.Objects.equals(fromRevision, representation.getType().getRevision());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(new SimpleSerializedType(type, toRevision), JsonNode.class,
                payload -> {
                    ObjectNode upcast = payload.deepCopy();
                    for (String field : fields) {
                        upcast.putNull(field);
                    }
                    return upcast;
                });
    }
}
