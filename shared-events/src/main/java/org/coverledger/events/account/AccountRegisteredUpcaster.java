package org.coverledger.events.account;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/** AccountRegistered revision 1 to 2: accounts registered before email addresses have none. */
public class AccountRegisteredUpcaster extends SingleEventUpcaster {

    private static final String TYPE = AccountApi.AccountRegistered.class.getName();

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return TYPE.equals(representation.getType().getName()) && "1".equals(representation.getType().getRevision());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(new SimpleSerializedType(TYPE, "2"), JsonNode.class,
                payload -> ((ObjectNode) payload.deepCopy()).putNull("email"));
    }
}
