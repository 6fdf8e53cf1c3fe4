package dev.stickyfail.probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;

/** The built-in probes and those registered through {@link ProbeFactory}, by {@code stickyfail.check} name. */
public final class Probes {

    private static final Map<String, Function<ProbeTarget, Probe>> BUILT_IN = new LinkedHashMap<>();

    static {
        BUILT_IN.put("mysql", MysqlProbe::new);
        BUILT_IN.put("tcp", TcpProbe::new);
        BUILT_IN.put("sql", SqlProbe::new);
        BUILT_IN.put("galera", GaleraProbe::new);
        BUILT_IN.put("replica", ReplicaProbe::new);
    }

    private Probes() {
    }

    /** Whether {@code stickyfail.check} accepts this name; built-in names are answered without a class path scan. */
    public static boolean isAvailable(String name) {
        return BUILT_IN.containsKey(name) || available().contains(name);
    }

    /** Every name {@code stickyfail.check} accepts, built-in ones first. */
    public static List<String> available() {
        List<String> names = new ArrayList<>(BUILT_IN.keySet());
        for (ProbeFactory f : factories()) {
            if (!names.contains(f.name())) {
                names.add(f.name());
            }
        }
        return names;
    }

    /** @throws IllegalArgumentException when no probe has this name (configuration validation makes this unreachable) */
    public static Probe create(String name, ProbeTarget target) {
        Function<ProbeTarget, Probe> builtIn = BUILT_IN.get(name);
        if (builtIn != null) {
            return builtIn.apply(target);
        }
        for (ProbeFactory f : factories()) {
            if (f.name().equals(name)) {
                return f.create(target);
            }
        }
        throw new IllegalArgumentException("no probe named " + name + "; available: " + available());
    }

    private static Iterable<ProbeFactory> factories() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return ServiceLoader.load(ProbeFactory.class, loader != null ? loader : Probes.class.getClassLoader());
    }
}
