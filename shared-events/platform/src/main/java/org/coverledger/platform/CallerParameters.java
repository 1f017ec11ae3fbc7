package org.coverledger.platform;

import java.lang.reflect.Executable;
import java.lang.reflect.Parameter;

import org.axonframework.messaging.Message;
import org.axonframework.messaging.annotation.ParameterResolver;
import org.axonframework.messaging.annotation.ParameterResolverFactory;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;

/**
 * Gives a message handler its {@link Caller} from the message's metadata (who asked, with which
 * roles), so that handlers take a {@code Caller} instead of rebuilding it. Found by Axon on the
 * class path ({@code META-INF/services}), in the apps and in test fixtures alike.
 */
public class CallerParameters implements ParameterResolverFactory {

    @Override
    public ParameterResolver<Caller> createInstance(Executable executable, Parameter[] parameters, int index) {
        if (parameters[index].getType() != Caller.class) {
            return null;
        }
        return new ParameterResolver<>() {
            @Override
            public Caller resolveParameterValue(Message<?> message) {
                return Caller.of((String) message.getMetaData().get(CommandMetadata.ACTOR),
                        (String) message.getMetaData().get(CommandMetadata.ROLES));
            }

            @Override
            public boolean matches(Message<?> message) {
                return message.getMetaData().get(CommandMetadata.ACTOR) instanceof String;
            }
        };
    }
}
