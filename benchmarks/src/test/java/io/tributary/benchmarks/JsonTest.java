package io.tributary.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void shouldReadBackWhatItWritesWithMemberOrderAndLongIntegers() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("zeta", 1L);
    value.put("alpha", List.of(2.5, "a \"quoted\"\nline", true));
    value.put("nothing", null);
    value.put("big", 12_345_678_901L);

    Object read = Json.read(Json.write(value));

    assertThat(read).isInstanceOf(LinkedHashMap.class);
    Map<?, ?> map = (Map<?, ?>) read;
    assertThat(new ArrayList<Object>(map.keySet()))
        .containsExactly("zeta", "alpha", "nothing", "big");
    assertThat(map.get("zeta")).isEqualTo(1L);
    assertThat(map.get("big")).isEqualTo(12_345_678_901L);
    assertThat(new ArrayList<Object>((List<?>) map.get("alpha")))
        .containsExactly(2.5, "a \"quoted\"\nline", true);
    assertThat(map.containsKey("nothing")).isTrue();
    assertThat(map.get("nothing")).isNull();
  }

  @Test
  void shouldRefuseMalformedJson() {
    assertThatThrownBy(() -> Json.read("{\"a\": }"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read JSON: Unexpected character ('}'");
  }

  @Test
  void shouldRefuseTextAfterTheValue() {
    assertThatThrownBy(() -> Json.read("{\"a\": 1} 2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read JSON: Trailing token");
  }
}
