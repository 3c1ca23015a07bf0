package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.parse.Statement;
import io.tributary.query.policy.MembershipView;
import java.util.List;

/**
 * Analyzes and authorizes one statement for an acting user against the catalog, and turns it into
 * an {@link Action}. Everything non-deterministic (defaults, NOW(), parameters) is evaluated here,
 * through the {@link Environment}, so the resulting commands are deterministic. Bad input fails
 * with a coded {@link TributaryException} and yields no action. Thread-safe; holds no state.
 *
 * <p>A façade: one visitor over the statement kinds hands each statement to the analyzer of its
 * family — {@link DdlAnalyzer} (namespaces, tables), {@link UserAnalyzer} (accounts), {@link
 * WriteAnalyzer} (INSERT, UPDATE, DELETE, EXECUTE AS USER), {@link ReadAnalyzer} (queries, SHOW,
 * DESCRIBE), {@link LiveAnalyzer} (SUBSCRIBE, live SELECT, KILL LIVE QUERY), {@link PolicyAnalyzer}
 * (CREATE, DROP and SHOW POLICIES), {@link SourceAnalyzer} (CREATE, ALTER and DROP SOURCE) and
 * {@link TopicAnalyzer} (topics, CONSUME, ACK, RESET CONSUMER GROUP). Each asks the {@link
 * Authorizer} whether the acting account may do what it analyzes.
 */
public final class Analyzer {
  private final DdlAnalyzer ddl;
  private final UserAnalyzer users;
  private final WriteAnalyzer writes;
  private final ReadAnalyzer reads;
  private final LiveAnalyzer live;
  private final PolicyAnalyzer policies;
  private final SourceAnalyzer sources;
  private final TopicAnalyzer topics;
  private final Catalog catalog;

  public Analyzer(Catalog catalog, Environment env) {
    this(catalog, env, MembershipView.NONE);
  }

  /**
   * @param memberships who is a member of what, as writes see it: the WITH CHECK of an INSERT and
   *     the rows an UPDATE or DELETE of role user may touch are decided with it (row policies)
   */
  public Analyzer(Catalog catalog, Environment env, MembershipView memberships) {
    this.catalog = catalog;
    this.ddl = new DdlAnalyzer(catalog, env);
    this.users = new UserAnalyzer(catalog, env);
    this.writes = new WriteAnalyzer(catalog, env, memberships);
    this.reads = new ReadAnalyzer(catalog, env);
    this.live = new LiveAnalyzer(catalog, env);
    this.policies = new PolicyAnalyzer(catalog, env);
    this.sources = new SourceAnalyzer(catalog, env);
    this.topics = new TopicAnalyzer(catalog, env);
  }

  /**
   * Analyzes a statement for an account whose id is its name (a legacy account, see {@link
   * UserDef}).
   *
   * @param user the acting user's name, also the owner of their rows
   * @param role the acting user's role
   * @param params positional parameter values ($1 is params.get(0))
   */
  public Action analyze(Statement statement, String user, Role role, List<Object> params) {
    return analyze(statement, new UserDef(user, role, null, 0), params);
  }

  /**
   * @param actor the acting account, as the catalog holds it: its id owns the rows it reads and
   *     writes, its name is CURRENT_USER, its role decides what it may do
   * @param params positional parameter values ($1 is params.get(0))
   */
  public Action analyze(Statement statement, UserDef actor, List<Object> params) {
    return statement.accept(new Dispatch(actor, params));
  }

  /** Hands one statement, for one acting account, to the analyzer of its family. */
  private final class Dispatch implements Statement.Visitor<Action> {
    private final UserDef actor;
    private final List<Object> params;

    /** The account acting for {@link #actor} (EXECUTE AS USER), or null. */
    private final UserDef delegatedBy;

    Dispatch(UserDef actor, List<Object> params) {
      this(actor, params, null);
    }

    Dispatch(UserDef actor, List<Object> params, UserDef delegatedBy) {
      this.actor = actor;
      this.params = params;
      this.delegatedBy = delegatedBy;
    }

    /**
     * A write of EXECUTE AS USER records who acted for whom in its command (the audit, {@code
     * system.audit}); any other write is returned as it is.
     */
    private Action audited(Action action) {
      if (delegatedBy == null || !(action instanceof Action.Write w)) {
        return action;
      }
      WriteCommand.Accepted accepted = w.command().accepted();
      WriteCommand.Delegation delegation =
          new WriteCommand.Delegation(
              delegatedBy.id(), delegatedBy.name(), actor.id(), actor.name());
      return new Action.Write(
          w.table(),
          w.owner(),
          w.command().withAccepted(accepted.delegatedBy(delegation)),
          w.partitionValue(),
          w.rowPartitionValues());
    }

    @Override
    public Action visit(Statement.CreateNamespace s) {
      return ddl.createNamespace(s, actor.role());
    }

    @Override
    public Action visit(Statement.DropNamespace s) {
      return ddl.dropNamespace(s, actor.role());
    }

    @Override
    public Action visit(Statement.CreateTable s) {
      return ddl.createTable(s, actor.role());
    }

    @Override
    public Action visit(Statement.AlterTable s) {
      return ddl.alterTable(s, actor.role());
    }

    @Override
    public Action visit(Statement.DropTable s) {
      return ddl.dropTable(s, actor.role());
    }

    @Override
    public Action visit(Statement.ShowNamespaces s) {
      return reads.showNamespaces();
    }

    @Override
    public Action visit(Statement.ShowTables s) {
      return reads.showTables(s, actor.role());
    }

    @Override
    public Action visit(Statement.DescribeTable s) {
      return reads.describe(s, actor.role());
    }

    @Override
    public Action visit(Statement.CreateUser s) {
      return users.createUser(s, actor);
    }

    @Override
    public Action visit(Statement.AlterUser s) {
      return users.alterUser(s, actor);
    }

    @Override
    public Action visit(Statement.DropUser s) {
      return users.dropUser(s, actor);
    }

    @Override
    public Action visit(Statement.ExecuteAs s) {
      UserDef target = writes.executeAs(s, actor);
      return s.inner().accept(new Dispatch(target, params, actor));
    }

    @Override
    public Action visit(Statement.Query s) {
      return reads.query(s, actor, params);
    }

    @Override
    public Action visit(Statement.Insert s) {
      return audited(writes.insert(s, actor, params));
    }

    @Override
    public Action visit(Statement.Update s) {
      return audited(writes.update(s, actor, params));
    }

    @Override
    public Action visit(Statement.Delete s) {
      return audited(writes.delete(s, actor, params));
    }

    @Override
    public Action visit(Statement.Subscribe s) {
      return live.subscribe(s, actor, params);
    }

    @Override
    public Action visit(Statement.LiveSelect s) {
      return live.liveSelect(s, actor, params);
    }

    @Override
    public Action visit(Statement.StorageFlush s) {
      return StorageAnalyzer.storageFlush(catalog, s, actor.role());
    }

    @Override
    public Action visit(Statement.KillLiveQuery s) {
      return LiveAnalyzer.killLiveQuery(s, actor.role());
    }

    @Override
    public Action visit(Statement.CreatePolicy s) {
      return policies.createPolicy(s, actor.role());
    }

    @Override
    public Action visit(Statement.DropPolicy s) {
      return policies.dropPolicy(s, actor.role());
    }

    @Override
    public Action visit(Statement.ShowPolicies s) {
      return policies.showPolicies(s, actor.role());
    }

    @Override
    public Action visit(Statement.Source s) {
      return sources.analyze(s, actor);
    }

    @Override
    public Action visit(Statement.CreateTopic s) {
      return topics.createTopic(s, actor.role());
    }

    @Override
    public Action visit(Statement.DropTopic s) {
      return topics.dropTopic(s, actor.role());
    }

    @Override
    public Action visit(Statement.AddTopicSource s) {
      return topics.addSource(s, actor, params);
    }

    @Override
    public Action visit(Statement.DropTopicSource s) {
      return topics.dropSource(s, actor.role());
    }

    @Override
    public Action visit(Statement.ShowTopics s) {
      return topics.showTopics(s);
    }

    @Override
    public Action visit(Statement.Consume s) {
      return topics.consume(s, actor, params);
    }

    @Override
    public Action visit(Statement.Ack s) {
      return topics.ack(s, actor);
    }

    @Override
    public Action visit(Statement.ResetConsumerGroup s) {
      return topics.reset(s, actor);
    }
  }
}
