package io.tributary.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Package rules of module server that the build enforces (issue 12): it uses no other module's
 * {@code internal} packages, and its packages form no cycle. Production classes only.
 */
@AnalyzeClasses(
    packages = "io.tributary.server",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String ROOT = "io.tributary.server";

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

  /**
   * No cycle between the server's packages. (The api <-> live cycle that was frozen here ended when
   * live subscriptions moved to the {@code live} module, which knows no protocol.)
   */
  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();

  /** DESIGN.md section 2: the server reads and writes the log only through {@code log/}'s API. */
  @ArchTest
  static final ArchRule noKafkaTypes =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.kafka..")
          .because("server/ reaches the log only through io.tributary.log (DESIGN.md section 2)");
}
