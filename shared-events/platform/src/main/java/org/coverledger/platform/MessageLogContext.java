package org.coverledger.platform;

import java.util.HashMap;
import java.util.Map;

import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.coverledger.events.common.CommandMetadata;
import org.slf4j.MDC;

/**
 * While a command or event is handled, the log lines it causes carry the request id, correlation
 * id and actor recorded on it (from its metadata), also on the event processors' own threads, so
 * that one request is followed through both apps' logs. What was in the logging context before
 * is put back afterwards.
 */
public final class MessageLogContext implements MessageHandlerInterceptor<Message<?>> {

    private static final String[][] FIELDS = {
            {CommandMetadata.REQUEST_ID, "requestId"},
            {CommandMetadata.CORRELATION_ID, LogContext.CORRELATION_ID},
            {CommandMetadata.ACTOR, LogContext.ACTOR}};

    @Override
    public Object handle(UnitOfWork<? extends Message<?>> unitOfWork, InterceptorChain chain) throws Exception {
        Message<?> message = unitOfWork.getMessage();
        Map<String, ?> metaData = message.getMetaData();
        Map<String, String> before = new HashMap<>();
        for (String[] field : FIELDS) {
            Object value = metaData.get(field[0]);
            if (value == null && field[0].equals(CommandMetadata.CORRELATION_ID)) {
                value = message.getIdentifier(); // the first of its chain (CausationCorrelationProvider)
            }
            if (value != null) {
                before.put(field[1], MDC.get(field[1]));
                MDC.put(field[1], value.toString());
            }
        }
        try {
            return chain.proceed();
        } finally {
            before.forEach((key, value) -> {
                if (value == null) {
                    MDC.remove(key);
                } else {
                    MDC.put(key, value);
                }
            });
        }
    }
}
