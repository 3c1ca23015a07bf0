/**
 * Implementations behind {@code io.tributary.log}: not API. Other modules use the public package
 * only; these classes may change without notice.
 */
package io.tributary.log.internal;
