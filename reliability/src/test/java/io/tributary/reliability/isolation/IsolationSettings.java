package io.tributary.reliability.isolation;

import io.tributary.reliability.support.Scale;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sizes the isolation property from system properties: {@code -Dreliability.full=true} for the full
 * run, {@code -Dreliability.isolation.tries=n} for any number of tries, and {@code
 * -Dreliability.isolation.seed=s} to repeat the run jqwik reported with that seed.
 */
public class IsolationSettings implements AroundPropertyHook {
  static final int BOUNDED_TRIES = 20;
  static final int FULL_TRIES = 400;

  @Override
  public PropertyExecutionResult aroundProperty(
      PropertyLifecycleContext context, PropertyExecutor property) {
    context
        .attributes()
        .setTries(Scale.pick("reliability.isolation.tries", BOUNDED_TRIES, FULL_TRIES));
    String seed = System.getProperty("reliability.isolation.seed");
    if (seed != null && !seed.isBlank()) {
      context.attributes().setSeed(seed.trim());
    }
    PropertyExecutionResult result = property.execute();
    System.out.printf(
        "IsolationPropertyTest: %s after %d tries, seed %s (repeat with"
            + " -Dreliability.isolation.seed=%s)%n",
        result.status(), result.countTries(), result.seed().orElse("?"), result.seed().orElse("?"));
    return result;
  }
}
