package io.tributary.server.api;

import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.ResultSet;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.ResultColumn;
import io.tributary.server.Principal;
import io.tributary.server.StatementOutcome;
import io.tributary.server.StatementRunner;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Execute: runs a request's statements with the runner and maps each outcome to a result.
 *
 * <p>Metrics: {@code tributary.statements.executed} counts every statement the runner ran (failed
 * ones included), {@code tributary.statements.failed} those that failed, tagged with their error
 * code, and {@code tributary.execute} times whole calls.
 */
final class GrpcStatementService extends StatementServiceGrpc.StatementServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcStatementService.class);

  private final StatementRunner runner;
  private final MeterRegistry registry;
  private final Counter executed;
  private final Timer timer;
  private final ConcurrentMap<String, Counter> failedByCode = new ConcurrentHashMap<>();

  GrpcStatementService(StatementRunner runner, MeterRegistry registry) {
    this.runner = runner;
    this.registry = registry;
    this.executed =
        Counter.builder("tributary.statements.executed")
            .description("Statements run, failed ones included")
            .register(registry);
    this.timer =
        Timer.builder("tributary.execute")
            .description("Execute calls, from request to response")
            .register(registry);
  }

  @Override
  public void execute(ExecuteRequest request, StreamObserver<ExecuteResponse> response) {
    Blocking.run(() -> executeNow(request, response));
  }

  private void executeNow(ExecuteRequest request, StreamObserver<ExecuteResponse> response) {
    Timer.Sample sample = Timer.start(registry);
    try {
      Principal principal = AuthInterceptor.PRINCIPAL.get();
      if (principal == null) {
        throw new IllegalStateException("Cannot execute: no principal in the call context");
      }
      List<Object> params = Values.params(request.getParamsList());
      List<StatementOutcome> outcomes = runner.execute(principal, request.getSql(), params);
      ExecuteResponse.Builder reply = ExecuteResponse.newBuilder();
      for (StatementOutcome outcome : outcomes) {
        reply.addResults(toProto(outcome));
        executed.increment();
        if (outcome instanceof StatementOutcome.Failed failed) {
          failed(failed.error().code().name()).increment();
        }
      }
      response.onNext(reply.build());
      response.onCompleted();
    } catch (TributaryException e) {
      // A failure of the call as a whole (bad parameter, unavailable): not a statement's outcome.
      failed(e.code().name()).increment();
      response.onError(Errors.toStatus(e));
    } catch (RuntimeException e) {
      failed(ErrorCode.INTERNAL.name()).increment();
      LOG.error("Execute failed with an unexpected error", e);
      response.onError(Errors.internal());
    } finally {
      sample.stop(timer);
    }
  }

  private Counter failed(String code) {
    return failedByCode.computeIfAbsent(
        code,
        c ->
            Counter.builder("tributary.statements.failed")
                .description("Statements that failed, by error code")
                .tag("code", c)
                .register(registry));
  }

  private static StatementResult toProto(StatementOutcome outcome) {
    StatementResult.Builder b = StatementResult.newBuilder().setStatement(outcome.statement());
    if (outcome instanceof StatementOutcome.Rows rows) {
      b.setRows(toProto(rows.result()));
    } else if (outcome instanceof StatementOutcome.Affected affected) {
      b.setRowsAffected(affected.rows());
    } else if (outcome instanceof StatementOutcome.Done done) {
      b.setDone(done.tag());
    } else if (outcome instanceof StatementOutcome.Failed failed) {
      b.setError(Errors.toProto(failed.error()));
    } else {
      throw new IllegalStateException("Cannot map outcome " + outcome.getClass().getName());
    }
    return b.build();
  }

  private static ResultSet toProto(QueryResult result) {
    ResultSet.Builder b = ResultSet.newBuilder();
    List<ResultColumn> columns = result.columns();
    for (ResultColumn c : columns) {
      b.addColumns(
          Column.newBuilder()
              .setName(c.name())
              .setType(c.type().toString())
              .setNullable(c.nullable()));
    }
    for (Object[] row : result.rows()) {
      if (row.length != columns.size()) {
        throw new IllegalStateException(
            "Cannot encode a row of " + row.length + " values for " + columns.size() + " columns");
      }
      Row.Builder r = Row.newBuilder();
      for (int i = 0; i < row.length; i++) {
        r.addValues(Values.toProto(columns.get(i).type(), row[i]));
      }
      b.addRows(r);
    }
    return b.build();
  }
}
