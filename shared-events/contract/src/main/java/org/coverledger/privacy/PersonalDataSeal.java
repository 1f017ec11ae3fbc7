package org.coverledger.privacy;

/**
 * What seals and opens {@link PersonalData} for the event serializer ({@link PersonalDataCodec}):
 * the key store of the data subjects, which lives with the event store.
 */
public interface PersonalDataSeal {

    /** What a personal field reads as once its subject's key has been erased. */
    String ERASED = "[erased]";

    /**
     * What is written for a personal field of an event that names no data subject: events stored
     * before their revision named the customer hold such fields in the clear, and copies of them
     * (the audit trail, dead letters) do not spread the clear value further.
     */
    String WITHHELD = "[withheld]";

    /** The value sealed under the subject's key ({@link #ERASED} for an erased subject). */
    String seal(String subject, String value);

    /** The clear value, {@link #ERASED} if its subject's key is gone, or the value itself if it was never sealed. */
    String open(String stored);
}
