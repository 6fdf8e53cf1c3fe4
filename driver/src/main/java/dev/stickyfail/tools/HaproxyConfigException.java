package dev.stickyfail.tools;

/** An HAProxy configuration that cannot be read or understood; the message names the file and, where known, the line. */
final class HaproxyConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    HaproxyConfigException(String message) {
        super(message);
    }

    static HaproxyConfigException at(String file, int line, String problem) {
        return new HaproxyConfigException(file + ":" + line + ": " + problem);
    }
}
