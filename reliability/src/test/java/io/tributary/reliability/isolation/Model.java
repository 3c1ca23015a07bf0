package io.tributary.reliability.isolation;

import io.tributary.client.TributaryClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the server must hold after the operations of one try: the accounts (a name re-created after
 * a drop is a new account, its generation one higher), each account's rows of the USER table, the
 * rows of each SHARED table, and the sessions (a client logged in as an account; revoked when its
 * account is dropped or its password changes).
 */
final class Model {
  static final List<String> ROLES = List.of("user", "service", "dba", "system");

  static int rank(String role) {
    return ROLES.indexOf(role);
  }

  static final class Account {
    final String name;
    String role;
    String password;
    int generation;
    Session session;
    final Map<Integer, String> rows = new TreeMap<>();
    final List<String> revokedTokens = new ArrayList<>();

    Account(String name, String role, String password) {
      this.name = name;
      this.role = role;
      this.password = password;
    }

    /** What the {@code owner} column of this account's rows holds: name and generation. */
    String tag() {
      return name + "#" + generation;
    }

    int rank() {
      return Model.rank(role);
    }
  }

  static final class Session {
    final Account account;
    final int generation;
    final TributaryClient client;
    final String token;
    boolean revoked;

    Session(Account account, TributaryClient client, String token) {
      this.account = account;
      this.generation = account.generation;
      this.client = client;
      this.token = token;
    }
  }

  final List<Account> accounts = new ArrayList<>();
  final Map<String, Map<Integer, String>> shared = new TreeMap<>();
  final List<Session> sessions = new ArrayList<>();
  final List<Subscriber> subscribers = new ArrayList<>();
}
