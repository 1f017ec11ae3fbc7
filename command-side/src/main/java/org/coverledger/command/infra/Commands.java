package org.coverledger.command.infra;

import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Caller;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * Sends a command on behalf of the current HTTP caller, with the metadata every command carries:
 * actor, roles, request id and client IP. Controllers use nothing else to reach the aggregates.
 */
@Component
public class Commands {

    private final CommandGateway gateway;
    private final HttpServletRequest request;

    public Commands(CommandGateway gateway, HttpServletRequest request) {
        this.gateway = gateway;
        this.request = request;
    }

    public <R> R send(Object command) {
        return gateway.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(metadata()));
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
