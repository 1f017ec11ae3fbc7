package org.coverledger.command.infra;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.springframework.stereotype.Component;

/**
 * Where the events of a command sent for an HTTP caller landed in the global order: the engine
 * notes the position of its last append in the unit of work, this interceptor picks it up once
 * the unit of work has committed (on whatever thread a concurrency retry ran it), and
 * {@link Commands} puts it into the response as {@value #HEADER}. A client passes it to the query
 * side as {@code X-Min-Position} to read its own writes.
 */
@Component
public class EventPositions implements MessageHandlerInterceptor<CommandMessage<?>> {

    public static final String HEADER = "X-Event-Position";
    private static final long NONE = -1;

    private final Map<String, Long> awaited = new ConcurrentHashMap<>();

    public EventPositions(CommandBus commandBus) {
        commandBus.registerHandlerInterceptor(this);
    }

    /** Before sending: the position of this command's commit is wanted. */
    void expect(String commandId) {
        awaited.put(commandId, NONE);
    }

    /** After sending: the position, if the command appended anything; forgets the command either way. */
    OptionalLong take(String commandId) {
        Long position = awaited.remove(commandId);
        return position == null || position == NONE ? OptionalLong.empty() : OptionalLong.of(position);
    }

    @Override
    public Object handle(UnitOfWork<? extends CommandMessage<?>> unitOfWork, InterceptorChain chain) throws Exception {
        String commandId = unitOfWork.getMessage().getIdentifier();
        if (awaited.containsKey(commandId)) {
            unitOfWork.afterCommit(committed -> {
                Object position = committed.root().getResource(MongoCommitLogEngine.POSITION_RESOURCE);
                if (position != null) {
                    awaited.computeIfPresent(commandId, (id, before) -> (Long) position);
                }
            });
        }
        return chain.proceed();
    }
}
