package dev.stickyfail.event;

import dev.stickyfail.admin.MissingCommitsReport;

/**
 * A switch made a server active that lacked commits the application had been told succeeded, and they did not arrive
 * within {@code stickyfail.switchCatchUpTimeout}: the report names them by GTID. The switch went ahead (a group with
 * no usable server helps nobody); an operator should find out whether they will still arrive.
 */
public record MissingCommitsEvent(String group, MissingCommitsReport report) {
}
