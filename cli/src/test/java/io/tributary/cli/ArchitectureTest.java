package io.tributary.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Package rules of module cli that the build enforces (issue 12): the command line is a client of
 * the SDK's public API only. No gRPC, no protobuf, no protocol types, no SDK internals, and no
 * server, except {@link StartCommand}, which starts one. Production classes only.
 */
@AnalyzeClasses(packages = "io.tributary.cli", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule onlyTheSdksPublicApi =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "com.google.protobuf..",
              "io.tributary.api..",
              "io.tributary.client.internal..")
          .because("the shell talks to a server through the SDK (client/) only (issue 12)");

  @ArchTest
  static final ArchRule serverOnlyToStartOne =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName(StartCommand.class.getName())
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.tributary.server..",
              "io.tributary.log..",
              "io.tributary.query..",
              "io.tributary.materializer..",
              "io.tributary.iceberg..")
          .because("only `tributary start` runs a server; `tributary sql` is a client");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices()
          .matching("io.tributary.cli.(*)..")
          .should()
          .beFreeOfCycles()
          .allowEmptyShould(true); // one package so far
}
