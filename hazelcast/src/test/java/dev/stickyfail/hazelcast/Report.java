package dev.stickyfail.hazelcast;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Measured numbers, printed and appended to target/hazelcast-measurements.txt for the docs. */
final class Report {

    private Report() {
    }

    static synchronized void line(String text) {
        System.out.println("MEASURED " + text);
        try {
            Files.writeString(Path.of("target", "hazelcast-measurements.txt"), text + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("could not write the measurement file: " + e);
        }
    }
}
