package dev.stickyfail.tools;

import java.util.Arrays;
import java.util.List;

/**
 * The driver jar's command line: {@code java -jar stickyfail-driver-<version>.jar <command> [arguments]}.
 * Commands: {@code haproxy-import}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args)));
    }

    static int run(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help") || args.get(0).equals("help")) {
            (args.isEmpty() ? System.err : System.out).println("stickyfail driver commands:\n  "
                    + HaproxyImport.USAGE.substring("usage: ".length())
                    + "\n      print the jdbc:stickyfail: URL for an HAProxy listen or backend, then what each keyword became");
            return args.isEmpty() ? 1 : 0;
        }
        if (args.get(0).equals("haproxy-import")) {
            return HaproxyImport.run(args.subList(1, args.size()), System.out, System.err);
        }
        System.err.println("stickyfail: unknown command '" + args.get(0) + "'; commands: haproxy-import");
        return 1;
    }
}
