package io.tributary.live;

/**
 * The account a stream was opened by, as the live module needs it: who may add subscriptions to the
 * stream, and which streams end when the account is dropped or its password changes.
 *
 * @param userId the account's id
 * @param user the account's name, for messages
 * @param credentialVersion the account's credential version when its token was issued
 */
public record StreamOwner(String userId, String user, long credentialVersion) {}
