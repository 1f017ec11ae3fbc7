package org.coverledger.command.infra;

import org.coverledger.platform.RequestIdFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.OptionalLong;

import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Caller;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Sends a command on behalf of the current HTTP caller, with the metadata every command carries:
 * actor, roles, request id and client IP. Controllers use nothing else to reach the aggregates.
 */
@Component
public class Commands {

    private final CommandGateway gateway;
    private final HttpServletRequest request;

    private final EventPositions positions;

    public Commands(CommandGateway gateway, HttpServletRequest request, EventPositions positions) {
        this.gateway = gateway;
        this.request = request;
        this.positions = positions;
    }

    /**
     * Sends the command and waits for its outcome; when it appended events, the response carries
     * their global position as {@value EventPositions#HEADER}.
     */
    public <R> R send(Object command) {
        return send(command, metadata());
    }

    /**
     * Sends a command for someone who proved who they are inside the request itself (a login
     * challenge's code), not by logging in: the actor is that customer, with no role.
     */
    public <R> R sendOnBehalfOf(String actor, Object command) {
        return send(command, MetaData.with(CommandMetadata.ACTOR, actor).and(CommandMetadata.ROLES, "")
                .and(CommandMetadata.REQUEST_ID, RequestIdFilter.of(request))
                .and(CommandMetadata.CLIENT_IP, request.getRemoteAddr()));
    }

    private <R> R send(Object command, MetaData metadata) {
        CommandMessage<?> message = GenericCommandMessage.asCommandMessage(command).andMetaData(metadata);
        positions.expect(message.getIdentifier());
        R result;
        try {
            result = gateway.sendAndWait(message);
        } finally {
            OptionalLong position = positions.take(message.getIdentifier());
            if (position.isPresent()
                    && RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                    && attributes.getResponse() != null) {
                attributes.getResponse().setHeader(EventPositions.HEADER, Long.toString(position.getAsLong()));
            }
        }
        return result;
    }

    /** The current HTTP caller. */
    public Caller caller() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        return Caller.fromAuthorities(auth.getName(),
                auth.getAuthorities().stream().map(GrantedAuthority::getAuthority).toList());
    }

    /** The metadata of the current HTTP caller. */
    public MetaData metadata() {
        Caller caller = caller();
        return MetaData.with(CommandMetadata.ACTOR, caller.login())
                .and(CommandMetadata.ROLES, CommandMetadata.joinRoles(caller.roles()))
                .and(CommandMetadata.REQUEST_ID, RequestIdFilter.of(request))
                .and(CommandMetadata.CLIENT_IP, request.getRemoteAddr());
    }
}
