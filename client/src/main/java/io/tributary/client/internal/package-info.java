/**
 * The gRPC-backed implementation of the client API. Not API: reach it through {@link
 * io.tributary.client.TributaryClient#connect(String)}; it may change in any release.
 */
package io.tributary.client.internal;
