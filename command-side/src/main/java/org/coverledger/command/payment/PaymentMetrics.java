package org.coverledger.command.payment;

import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Payment outcomes as meters (README "Watching it"): whatever gateway is configured is wrapped so
 * that every collection, refund, payout and look-up counts in
 * {@code coverledger.payments{operation, outcome}} (succeeded, declined, unknown, failed), with
 * its time in {@code coverledger.payments.time}.
 */
@Configuration
public class PaymentMetrics {

    @Bean
    static BeanPostProcessor meteredPaymentGateways(ObjectProvider<MeterRegistry> registry) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof PaymentGateway gateway && !(bean instanceof Metered)
                        ? new Metered(gateway, registry.getObject()) : bean;
            }
        };
    }

    /** The gateway, counted. */
    static final class Metered implements PaymentGateway {
        private final PaymentGateway gateway;
        private final MeterRegistry registry;

        Metered(PaymentGateway gateway, MeterRegistry registry) {
            this.gateway = gateway;
            this.registry = registry;
        }

        private Outcome counted(String operation, java.util.function.Supplier<Outcome> call) {
            long start = System.nanoTime();
            String outcome = "failed";
            try {
                Outcome answer = call.get();
                outcome = name(answer);
                return answer;
            } finally {
                registry.counter("coverledger.payments", "operation", operation, "outcome", outcome).increment();
                registry.timer("coverledger.payments.time", "operation", operation)
                        .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        }

        private static String name(Outcome outcome) {
            if (outcome instanceof Succeeded) {
                return "succeeded";
            }
            if (outcome instanceof Declined) {
                return "declined";
            }
            return outcome instanceof Unknown ? "unknown" : "failed";
        }

        @Override
        public Outcome collect(Collection collection) {
            return counted("collect", () -> gateway.collect(collection));
        }

        @Override
        public Outcome refund(Refund refund) {
            return counted("refund", () -> gateway.refund(refund));
        }

        @Override
        public Outcome payout(Payout payout) {
            return counted("payout", () -> gateway.payout(payout));
        }

        @Override
        public Optional<Outcome> lookUp(String key) {
            Optional<Outcome> found = gateway.lookUp(key);
            registry.counter("coverledger.payments", "operation", "lookup", "outcome",
                    found.map(Metered::name).orElse("none")).increment();
            return found;
        }
    }
}
