package io.datamover.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * A daemon's config file ({@code --config FILE}): a properties file whose keys are the command's long option
 * names without the dashes ({@code listen = 127.0.0.1:10811}, {@code data-dir = /var/lib/datamover}). Each setting
 * becomes that option on the command line unless the option is also given as a flag: flags override the file. A
 * repeatable option takes comma-separated values ({@code export = root=/images/root.img, data=/images/data.img});
 * a switch takes {@code true} or {@code false}. An unknown key or an unreadable file is a usage error.
 */
final class ConfigFile {
    static final String OPTION = "--config";

    private ConfigFile() {}

    /** A daemon's {@code --config} option, mixed into its command. */
    static final class Option {
        @CommandLine.Option(names = OPTION, paramLabel = "FILE",
                description = "Read settings from this properties file: one 'option-name = value' per line, the"
                        + " long option names without dashes (flags given on the command line win).")
        Path path;
    }

    /**
     * {@code args} with the settings of the config file named by {@code --config} inserted after the subcommand's
     * name; {@code args} unchanged when there is none.
     */
    static String[] expand(CommandLine root, String[] args) {
        if (args.length == 0 || !root.getSubcommands().containsKey(args[0])) {
            return args;
        }
        CommandLine command = root.getSubcommands().get(args[0]);
        CommandSpec spec = command.getCommandSpec();
        String file = valueOf(OPTION, args);
        if (file == null || spec.findOption(OPTION) == null) {
            return args;
        }
        Properties settings = read(command, Path.of(file));
        List<String> expanded = new ArrayList<>(List.of(args[0]));
        for (String key : new TreeSet<>(settings.stringPropertyNames())) {
            OptionSpec option = spec.findOption("--" + key);
            if (option == null || key.equals(OPTION.substring(2)) || option.usageHelp() || option.versionHelp()) {
                throw new ParameterException(command, "config file " + file + ": unknown setting '" + key
                        + "'; the settings are the long options of '" + args[0] + " --help' without the dashes");
            }
            if (!givenAsFlag(option, args)) {
                expanded.addAll(asFlags(command, file, option, settings.getProperty(key).trim()));
            }
        }
        expanded.addAll(Arrays.asList(args).subList(1, args.length));
        return expanded.toArray(String[]::new);
    }

    private static Properties read(CommandLine command, Path file) {
        Properties settings = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            settings.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ParameterException(command, "cannot read config file " + file + ": " + e.getMessage());
        }
        return settings;
    }

    private static List<String> asFlags(CommandLine command, String file, OptionSpec option, String value) {
        String name = option.longestName();
        if (option.arity().max() == 0) { // a switch
            if (!value.equals("true") && !value.equals("false")) {
                throw new ParameterException(command, "config file " + file + ": " + name.substring(2)
                        + " must be true or false, not '" + value + "'");
            }
            return value.equals("true") ? List.of(name) : List.of();
        }
        if (!option.isMultiValue()) {
            return List.of(name + "=" + value);
        }
        List<String> flags = new ArrayList<>();
        for (String item : value.split(",")) {
            flags.add(name + "=" + item.trim());
        }
        return flags;
    }

    /** The value of {@code --name VALUE} or {@code --name=VALUE} in {@code args}, or null. */
    private static String valueOf(String name, String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(name + "=")) {
                return args[i].substring(name.length() + 1);
            }
        }
        return null;
    }

    private static boolean givenAsFlag(OptionSpec option, String[] args) {
        for (String name : option.names()) {
            for (String arg : args) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return true;
                }
            }
        }
        return false;
    }
}
