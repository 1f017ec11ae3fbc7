package org.coverledger.command.notification;

/**
 * A message to a customer: a one-time code, or a notice. {@code to} is the mobile number or
 * email address it goes to; the text may hold a code, so neither appears in logs.
 */
public record Notice(String accountId, Channel channel, String to, String purpose, String text) {

    public enum Channel { SMS, EMAIL }

    @Override
    public String toString() {
        return "Notice[" + accountId + ", " + channel + ", " + purpose + "]";
    }
}
