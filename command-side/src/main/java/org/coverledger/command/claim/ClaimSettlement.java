package org.coverledger.command.claim;

import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import org.coverledger.events.claim.ClaimApi.ClaimApproved;
import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.PayClaim;
import org.coverledger.events.claim.ClaimApi.PayoutRetried;
import org.coverledger.events.common.CommandMetadata;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The settlement of an approved claim, a saga kept in MongoDB: from the approval (the cover held
 * on the policy in the approval's own commit) it asks for the payout, and again when an admin
 * retries a parked one; it ends when the claim closes (paid, with the cover used). Retries after
 * a failed attempt are timed steps ({@code claim-payout}); the saga's processor tracks the event
 * store, so an approval whose payout was cut off by a crash is handled again after the restart,
 * and the payout's key, looked up first, keeps it from paying twice.
 */
@Saga(sagaStore = "claimSagaStore")
public class ClaimSettlement {

    public static final String PROCESSOR = "ClaimSettlementProcessor";

    private transient CommandGateway commands;
    private String claimId;

    @Autowired
    public void setCommands(CommandGateway commands) {
        this.commands = commands;
    }

    @StartSaga
    @SagaEventHandler(associationProperty = "claimId")
    void on(ClaimApproved event) {
        claimId = event.claimId();
        pay();
    }

    @SagaEventHandler(associationProperty = "claimId")
    void on(PayoutRetried event) {
        pay();
    }

    @EndSaga
    @SagaEventHandler(associationProperty = "claimId")
    void on(ClaimClosed event) {
    }

    private void pay() {
        commands.sendAndWait(GenericCommandMessage.asCommandMessage(new PayClaim(claimId))
                .andMetaData(MetaData.with(CommandMetadata.ACTOR, CommandMetadata.SYSTEM_ACTOR)
                        .and(CommandMetadata.ROLES, "")
                        .and(CommandMetadata.REQUEST_ID, "settlement-" + claimId)));
    }
}
