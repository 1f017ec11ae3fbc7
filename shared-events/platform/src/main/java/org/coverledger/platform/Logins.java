package org.coverledger.platform;

import java.util.List;

import org.coverledger.identity.CustomerCredentials;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;

/**
 * Who may log in: configured staff and demo users first, then customers by mobile number or
 * email with the password they registered. A customer is known by their account id. Failed
 * logins are counted per account; the fifth in a row locks it.
 */
public class Logins implements UserDetailsService {

    /** A customer as logged in; remembers failures so that a success clears them without a look-up. */
    public static final class Customer extends User {
        private final int failedLogins;

        Customer(CustomerCredentials.Credential credential) {
            super(credential.accountId(), credential.passwordHash(), true, true, true, !credential.locked(),
                    List.of(new SimpleGrantedAuthority("ROLE_CUSTOMER")));
            this.failedLogins = credential.failedLogins();
        }
    }

    private final UserDetailsService configured;
    private final CustomerCredentials customers;

    public Logins(UserDetailsService configured, CustomerCredentials customers) {
        this.configured = configured;
        this.customers = customers;
    }

    @Override
    public UserDetails loadUserByUsername(String login) {
        UserDetails user;
        try {
            user = configured.loadUserByUsername(login);
        } catch (UsernameNotFoundException notStaff) {
            return customers.find(login).map(Customer::new)
                    .orElseThrow(() -> new UsernameNotFoundException("unknown login"));
        }
        // a configured customer whose account was closed logs in no more, and learns no more than from a wrong password
        boolean customer = user.getAuthorities().stream().anyMatch(a -> a.getAuthority().equals("ROLE_CUSTOMER"));
        if (customer && customers.isClosedLogin(login)) {
            throw new UsernameNotFoundException("unknown login");
        }
        return user;
    }

    @EventListener
    public void failed(AuthenticationFailureBadCredentialsEvent event) {
        customers.find(event.getAuthentication().getName())
                .ifPresent(credential -> customers.recordFailure(credential.accountId()));
    }

    @EventListener
    public void succeeded(AuthenticationSuccessEvent event) {
        if (event.getAuthentication().getPrincipal() instanceof Customer customer && customer.failedLogins > 0) {
            customers.resetFailures(customer.getUsername());
        }
    }
}
