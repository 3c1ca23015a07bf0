package io.tributary.live;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Package rules of module live that the build enforces (issue 12): it knows no wire protocol (no
 * gRPC, protobuf or Armeria type, nothing of the server) and no Kafka type (it reads the log
 * through {@code log}'s {@link io.tributary.log.LogReader}); it uses no other module's {@code
 * internal} packages; its packages form no cycle. Production classes only.
 */
@AnalyzeClasses(
    packages = "io.tributary.live",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String ROOT = "io.tributary.live";

  /** Another module's implementation: a package {@code io.tributary.<other>..internal..}. */
  private static final DescribedPredicate<JavaClass> OTHER_MODULES_INTERNALS =
      DescribedPredicate.describe(
          "belong to another module's internal packages",
          c -> {
            String p = c.getPackageName();
            boolean tributary = p.startsWith("io.tributary.");
            boolean own = p.equals(ROOT) || p.startsWith(ROOT + ".");
            boolean internal = p.endsWith(".internal") || p.contains(".internal.");
            return tributary && !own && internal;
          });

  @ArchTest
  static final ArchRule noOtherModulesInternals =
      noClasses()
          .should()
          .dependOnClassesThat(OTHER_MODULES_INTERNALS)
          .because("a module's internal packages are not API (STYLE.md 1)");

  @ArchTest
  static final ArchRule noProtocol =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "com.google.protobuf..",
              "com.linecorp..",
              "io.tributary.api..",
              "io.tributary.server..")
          .because(
              "live hands events to a Sink and an EventEncoder; the server owns every byte of the"
                  + " protocol (DESIGN.md section 2)");

  @ArchTest
  static final ArchRule noKafkaTypes =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.kafka..")
          .because("live reads the log only through io.tributary.log (DESIGN.md section 2)");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();
}
