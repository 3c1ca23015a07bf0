package io.tributary.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The package rules of every module, which the build enforces (issue 12; ARCHITECTURE.md). Maven's
 * enforcer checks which module may depend on which; these rules check what the classes inside may
 * use. Production classes only. A module is the package {@code io.tributary.<module>}.
 */
@AnalyzeClasses(packages = "io.tributary", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  /** STYLE.md 1: a module's {@code internal} packages are not API, for any other module. */
  @ArchTest
  static final ArchRule noOtherModulesInternals =
      classes()
          .should(notDependOnAnotherModulesInternals())
          .because("a module's internal packages are not API (STYLE.md 1)");

  /** No cycle between the packages of one module (nor, through them, between modules). */
  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.tributary.(*).(*)..").should().beFreeOfCycles();

  /** DESIGN.md section 2: the server reads and writes the log only through {@code log/}'s API. */
  @ArchTest
  static final ArchRule serverUsesNoKafkaType =
      noClasses()
          .that()
          .resideInAPackage("io.tributary.server..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.kafka..")
          .because("server/ reaches the log only through io.tributary.log (DESIGN.md section 2)");

  /** Live subscriptions know no protocol and no Kafka: the server encodes, the log reads. */
  @ArchTest
  static final ArchRule liveKnowsNoProtocolNorKafka =
      noClasses()
          .that()
          .resideInAPackage("io.tributary.live..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "com.google.protobuf..",
              "com.linecorp..",
              "io.tributary.api..",
              "io.tributary.server..",
              "org.apache.kafka..")
          .because(
              "live hands events to a Sink and an EventEncoder and reads the log through"
                  + " io.tributary.log; the server owns every byte of the protocol (DESIGN.md"
                  + " section 2)");

  /**
   * DESIGN.md section 2: the cold tier implements query/'s interfaces and knows no other module.
   */
  @ArchTest
  static final ArchRule coldTierKnowsOnlyQuery =
      noClasses()
          .that()
          .resideInAPackage("io.tributary.iceberg..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.tributary.log..",
              "io.tributary.materializer..",
              "io.tributary.live..",
              "io.tributary.server..",
              "io.tributary.api..",
              "io.tributary.client..",
              "org.apache.kafka..",
              "io.grpc..")
          .because("iceberg-catalog depends on query/ only (DESIGN.md section 2)");

  /**
   * A source writes through {@code log}'s command writer like every other write, knows no protocol
   * and no Kafka, and reaches nothing of the server, the materializer or live subscriptions.
   */
  @ArchTest
  static final ArchRule sourceWritesOnlyThroughTheLog =
      noClasses()
          .that()
          .resideInAPackage("io.tributary.source..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "com.google.protobuf..",
              "com.linecorp..",
              "io.tributary.api..",
              "io.tributary.server..",
              "io.tributary.materializer..",
              "io.tributary.live..",
              "org.apache.kafka..")
          .because(
              "a source's commands go through io.tributary.log's command writer, like every other"
                  + " write (DESIGN.md section 3; issue 18)");

  /** The command line talks to a server through the SDK's public API only. */
  @ArchTest
  static final ArchRule cliUsesOnlyTheSdksPublicApi =
      noClasses()
          .that()
          .resideInAPackage("io.tributary.cli..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "com.google.protobuf..",
              "io.tributary.api..",
              "io.tributary.client.internal..")
          .because("the shell talks to a server through the SDK (client/) only (issue 12)");

  /** The examples (the assistant agent) are clients of the SDK's public API, like any app. */
  @ArchTest
  static final ArchRule examplesUseOnlyTheSdksPublicApi =
      noClasses()
          .that()
          .resideInAPackage("io.tributary.examples..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "com.google.protobuf..",
              "io.tributary.api..",
              "io.tributary.client.internal..",
              "io.tributary.server..",
              "io.tributary.log..",
              "io.tributary.query..",
              "io.tributary.materializer..",
              "io.tributary.live..",
              "org.apache.kafka..")
          .because("an agent is a client: it uses the SDK (client/) only (issue 14)");

  /** Only {@code tributary start} runs a server; {@code tributary sql} is a client. */
  @ArchTest
  static final ArchRule cliReachesTheServerOnlyToStartOne =
      noClasses()
          .that()
          .resideInAPackage("io.tributary.cli..")
          .and()
          .doNotHaveFullyQualifiedName("io.tributary.cli.StartCommand")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.tributary.server..",
              "io.tributary.log..",
              "io.tributary.query..",
              "io.tributary.materializer..",
              "io.tributary.live..",
              "io.tributary.source..",
              "io.tributary.iceberg..")
          .because("only `tributary start` runs a server; `tributary sql` is a client");

  private static ArchCondition<JavaClass> notDependOnAnotherModulesInternals() {
    return new ArchCondition<>("not depend on another module's internal packages") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        String own = module(origin.getPackageName());
        for (Dependency d : origin.getDirectDependenciesFromSelf()) {
          String target = d.getTargetClass().getPackageName();
          String other = module(target);
          if (other != null && !other.equals(own) && isInternal(target)) {
            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
          }
        }
      }
    };
  }

  /** The module of a package {@code io.tributary.<module>...}, or null outside Tributary. */
  private static String module(String packageName) {
    if (!packageName.startsWith("io.tributary.")) {
      return null;
    }
    String rest = packageName.substring("io.tributary.".length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  private static boolean isInternal(String packageName) {
    return packageName.endsWith(".internal") || packageName.contains(".internal.");
  }
}
