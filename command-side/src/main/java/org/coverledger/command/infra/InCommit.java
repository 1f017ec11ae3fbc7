package org.coverledger.command.infra;

import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.modelling.command.Repository;

/**
 * Another aggregate's command handler decides, inside the unit of work of the command being
 * handled: its events join that command's commit (one document in the event store, stored whole
 * or not at all), and its refusal refuses the whole command. The decision stays a command handler
 * on the aggregate that owns the rule (a claim's approval asks the Policy to hold its cover), and
 * the two aggregates change together or not at all. Optimistic concurrency guards each of them as
 * in any commit: a concurrent change to either makes the commit fail and the command retry.
 */
public final class InCommit {

    private InCommit() {
    }

    /** The command handled by the aggregate {@code id}, with the metadata (caller, request) of the command in hand. */
    @SuppressWarnings("unchecked")
    public static <R> R handle(Repository<?> repository, String id, Object command) {
        MetaData metaData = CurrentUnitOfWork.isStarted() ? CurrentUnitOfWork.get().getMessage().getMetaData()
                : MetaData.emptyInstance();
        try {
            return (R) repository.load(id).handle(GenericCommandMessage.asCommandMessage(command).andMetaData(metaData));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
