package org.coverledger.command.identity;

import org.springframework.stereotype.Component;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * A name a customer recognises for the device a login came from ("Chrome on Android"), from its
 * user agent with the ua-parser project's rules; never versions, so that an update does not
 * make the same phone look like a new one.
 */
@Component
public class DeviceNames {

    private static final int LONGEST = 80;
    private final Parser parser = new Parser();

    public String of(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return "unknown device";
        }
        Client client = parser.parse(userAgent.length() > 512 ? userAgent.substring(0, 512) : userAgent);
        String agent = known(client.userAgent == null ? null : client.userAgent.family);
        String os = known(client.os == null ? null : client.os.family);
        String name = agent == null && os == null ? "unknown device"
                : os == null ? agent
                : agent == null ? os
                : agent + " on " + os;
        String printable = name.replaceAll("[\\p{Cntrl}\\p{Cf}]", "").strip();
        if (printable.isEmpty()) {
            return "unknown device";
        }
        return printable.length() > LONGEST ? printable.substring(0, LONGEST) : printable;
    }

    private static String known(String family) {
        return family == null || family.isBlank() || "Other".equals(family) ? null : family;
    }
}
