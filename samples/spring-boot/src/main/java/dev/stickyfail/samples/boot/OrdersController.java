package dev.stickyfail.samples.boot;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.sql.SQLException;
import java.util.Map;

/** {@code POST /orders?item=...} writes one row; {@code GET /orders/stats} says how many rows each server executed. */
@RestController
class OrdersController {

    private final JdbcTemplate jdbc;

    OrdersController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @PostMapping("/orders")
    Map<String, Object> create(@RequestParam(name = "item", defaultValue = "book") String item) {
        jdbc.update("INSERT INTO orders (item, server_id) VALUES (?, @@server_id)", item);
        long serverId = jdbc.queryForObject("SELECT @@server_id", Long.class);
        return Map.of("item", item, "writtenOn", serverId);
    }

    /**
     * What a service should tell its caller when a write fails during a failover: {@code 08S01}, nothing was committed
     * (retry on a new connection); {@code 08007}, the outcome is unknown (check before retrying).
     */
    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Map<String, Object>> failed(DataAccessException e) {
        String sqlState = e.getMostSpecificCause() instanceof SQLException sql ? sql.getSQLState()
                : e.getCause() instanceof SQLException sql ? sql.getSQLState() : null;
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of(
                "sqlState", String.valueOf(sqlState),
                "retry", "08S01".equals(sqlState) ? "safe: nothing was committed"
                        : "08007".equals(sqlState) ? "check first: the outcome is unknown" : "unknown"));
    }

    @GetMapping("/orders/stats")
    Map<String, Object> stats() {
        Map<String, Object> byServer = new java.util.LinkedHashMap<>();
        jdbc.query("SELECT server_id, COUNT(*) FROM orders GROUP BY server_id ORDER BY server_id",
                rs -> {
                    byServer.put("server " + rs.getLong(1), rs.getLong(2));
                });
        return Map.of("rowsByServer", byServer);
    }
}
