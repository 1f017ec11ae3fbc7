package org.coverledger.ops.backup;

import java.io.PrintStream;

/** Progress on the terminal: one line redrawn on a console, a line every few seconds elsewhere. */
final class Progress {

    private final PrintStream out;
    private final boolean console;
    private final long everyNanos;
    private long last = System.nanoTime();
    private boolean open;

    Progress(PrintStream out) {
        this.out = out;
        this.console = System.console() != null;
        this.everyNanos = console ? 250_000_000L : 5_000_000_000L;
    }

    /** A step that starts. */
    void step(String what) {
        finishLine();
        out.println(what);
    }

    /** How far the step has come, shown if it is time. */
    void at(String state) {
        long now = System.nanoTime();
        if (now - last < everyNanos) {
            return;
        }
        last = now;
        if (console) {
            out.print("\r  " + state + "    ");
            open = true;
        } else {
            out.println("  " + state);
        }
    }

    /** The step's outcome. */
    void done(String outcome) {
        finishLine();
        out.println("  " + outcome);
    }

    private void finishLine() {
        if (open) {
            out.println();
            open = false;
        }
    }
}
