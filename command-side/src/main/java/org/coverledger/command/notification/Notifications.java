package org.coverledger.command.notification;

/**
 * The port through which customers are told things: one-time codes above all. The embedded
 * default, {@link MongoOutbox}, writes each notice to an outbox in MongoDB, from which an SMS or
 * email gateway delivers; a deployment with a gateway that takes messages directly replaces
 * this bean.
 */
public interface Notifications {

    void send(Notice notice);
}
