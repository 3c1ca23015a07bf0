package io.tributary.server;

import io.tributary.query.catalog.Role;

/** An authenticated caller: the user a token was issued to and that user's role at issue time. */
public record Principal(String user, Role role) {}
