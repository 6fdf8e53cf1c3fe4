package dev.stickyfail.samples.boot;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A small REST service on stickyfail's Spring Boot starter: nothing stickyfail-specific in its code, only
 * {@code spring.datasource.url=jdbc:stickyfail:...} in its configuration (see {@code application.properties}).
 */
@SpringBootApplication
public class OrdersApplication {

    /** The service's table; both servers get it through replication. */
    @Bean
    ApplicationRunner schema(JdbcTemplate jdbc) {
        return args -> jdbc.execute("CREATE TABLE IF NOT EXISTS orders ("
                + "id BIGINT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(100) NOT NULL, "
                + "server_id INT UNSIGNED NOT NULL, created TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))");
    }
}
