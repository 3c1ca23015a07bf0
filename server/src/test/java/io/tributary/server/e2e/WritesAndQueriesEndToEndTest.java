package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Writes and queries over gRPC on a real localhost port, through the log and the materializer. */
class WritesAndQueriesEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient shopper;

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE shop;"
            + "CREATE TABLE shop.cart (sku TEXT PRIMARY KEY, qty INT NOT NULL, price DECIMAL(8,2),"
            + " note TEXT);"
            + "CREATE SHARED TABLE shop.products (sku TEXT PRIMARY KEY, category TEXT);"
            + "CREATE USER 'shopper' WITH PASSWORD 'shopper-password'");
    root.update(
        "INSERT INTO shop.products VALUES ('apple', 'fruit'), ('pear', 'fruit'), ('kale', 'veg')");
    shopper = TributaryClient.connect(SharedServer.url());
    shopper.login("shopper", "shopper-password");
  }

  @AfterAll
  static void tearDown() {
    shopper.close();
    root.close();
  }

  @Test
  void shouldUpdateAndDeleteByPredicatesOnNonKeyColumns() {
    shopper.update("DELETE FROM shop.cart");
    shopper.update(
        "INSERT INTO shop.cart VALUES ('apple', 2, 0.50, NULL), ('pear', 5, 0.80, 'ripe'),"
            + " ('kale', 1, 2.10, NULL)");
    assertThat(
            shopper.update(
                "UPDATE shop.cart SET qty = qty * 2 WHERE price < $1", new BigDecimal("1")))
        .isEqualTo(2);
    assertThat(shopper.update("UPDATE shop.cart SET note = 'checked' WHERE note IS NULL"))
        .isEqualTo(2);
    assertThat(shopper.update("DELETE FROM shop.cart WHERE qty > 5 AND note = 'ripe'"))
        .isEqualTo(1);
    assertThat(shopper.query("SELECT sku, qty, note FROM shop.cart ORDER BY sku").rows())
        .extracting(r -> r.getString("sku") + ":" + r.getInteger("qty") + ":" + r.getString("note"))
        .containsExactly("apple:4:checked", "kale:1:checked");
  }

  @Test
  void shouldInsertNothingWhenOneRowOfAMultiRowInsertHasADuplicateKey() {
    shopper.update("DELETE FROM shop.cart");
    shopper.update("INSERT INTO shop.cart (sku, qty) VALUES ('apple', 1)");
    assertThatThrownBy(
            () ->
                shopper.update(
                    "INSERT INTO shop.cart (sku, qty) VALUES ('pear', 1), ('kale', 1), ('apple', 9)"))
        .isInstanceOf(TributaryException.class)
        .hasMessageStartingWith("Cannot insert into shop.cart: duplicate primary key")
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("DUPLICATE_KEY"));
    assertThat(shopper.query("SELECT sku, qty FROM shop.cart").rows())
        .extracting(r -> r.getString("sku") + ":" + r.getInteger("qty"))
        .containsExactly("apple:1");
  }

  @Test
  void shouldJoinAUserTableWithASharedTableAndGroup() {
    shopper.update("DELETE FROM shop.cart");
    shopper.update(
        "INSERT INTO shop.cart (sku, qty, price) VALUES ('apple', 3, 0.50), ('pear', 1, 0.80),"
            + " ('kale', 2, 2.00)");
    var rows =
        shopper
            .query(
                "SELECT p.category, COUNT(*) AS items, SUM(c.qty * c.price) AS total"
                    + " FROM shop.cart c JOIN shop.products p ON c.sku = p.sku"
                    + " GROUP BY p.category ORDER BY p.category")
            .rows();
    assertThat(rows)
        .extracting(
            r ->
                r.getString("category")
                    + ":"
                    + r.getLong("items")
                    + ":"
                    + r.getDecimal("total").stripTrailingZeros().toPlainString())
        .containsExactly("fruit:2:2.3", "veg:1:4");
  }
}
