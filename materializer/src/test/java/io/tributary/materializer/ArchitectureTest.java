package io.tributary.materializer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Package rules of module materializer that the build enforces (issue 12): it uses no other
 * module's {@code internal} packages, and its packages form no cycle. Production classes only.
 */
@AnalyzeClasses(
    packages = "io.tributary.materializer",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String ROOT = "io.tributary.materializer";

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
  static final ArchRule noPackageCycles =
      slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();
}
