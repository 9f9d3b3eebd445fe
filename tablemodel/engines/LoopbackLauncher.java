// Starts DynamoDB Local with its HTTP listener bound to one address (127.0.0.1) instead of
// every interface, and ends it when the process that started it goes away.
//
// DynamoDB Local has no option for its listening address: its DynamoDBProxyServer builds a
// Jetty Server(port), whose connector binds the wildcard address. This launcher builds the
// server from the usual command-line arguments, sets the host of each connector before Jetty
// opens it, then starts it as ServerRunner.main would.
//
// It runs in source-file mode, so nothing is compiled or stored beforehand (that needs the
// jdk.compiler module, which Debian's openjdk-17-jre-headless ships):
//   java -Djava.library.path=<dir>/DynamoDBLocal_lib -cp <dir>/DynamoDBLocal.jar \
//        LoopbackLauncher.java 127.0.0.1 -inMemory -port <port> -disableTelemetry
//
// Standard input is its lifeline: when it reaches end of file (the parent closed it, or died),
// the launcher exits.

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.Arrays;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackLauncher {
    private LoopbackLauncher() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1) {
            fail("usage: LoopbackLauncher <host> [DynamoDB Local options]", 2);
        }
        watchStandardInput();
        String host = argv[0];
        String[] args = Arrays.copyOfRange(argv, 1, argv.length);
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Server server = jettyServer(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            fail("the Jetty server of DynamoDB Local has no connector", 3);
        }
        for (Connector connector : connectors) {
            if (!(connector instanceof ServerConnector)) {
                fail("unexpected Jetty connector " + connector.getClass().getName(), 3);
            }
            ((ServerConnector) connector).setHost(host);
        }
        try {
            proxy.start();
        } catch (Exception error) {
            error.printStackTrace();
            Throwable root = error;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            fail("could not start: " + root, 1);
        }
        System.out.println("DynamoDB Local listening on " + host);
        System.out.flush();
        proxy.join();
    }

    private static Server jettyServer(DynamoDBProxyServer proxy) throws IllegalAccessException {
        for (Field field : DynamoDBProxyServer.class.getDeclaredFields()) {
            if (Server.class.isAssignableFrom(field.getType())) {
                field.setAccessible(true);
                return (Server) field.get(proxy);
            }
        }
        fail("DynamoDBProxyServer holds no Jetty Server (unsupported DynamoDB Local version)", 3);
        return null; // unreachable: fail exits
    }

    private static void watchStandardInput() {
        Thread watcher = new Thread(() -> {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            try {
                while (in.read(buffer) >= 0) {
                    // Anything written is ignored; only end of file matters.
                }
            } catch (IOException ignored) {
                // A broken pipe means the parent is gone too.
            }
            Runtime.getRuntime().halt(0);
        }, "tablemodel-lifeline");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void fail(String message, int status) {
        System.err.println("tablemodel LoopbackLauncher: " + message);
        System.err.flush();
        System.exit(status);
    }
}
