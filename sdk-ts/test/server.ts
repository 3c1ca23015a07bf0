// Starts a real Tributary server for the tests: the built jars (../cli/target), an ephemeral port
// (or a given one, to restart on the same address), a fresh temporary data directory.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createClient, type TributaryClient } from "../src/node.js";

// The tests run bundled from sdk-ts/build/test/.
const ROOT = resolve(new URL("../../..", import.meta.url).pathname);
const JAR = join(ROOT, "cli/target/tributary-cli-0.1.0-SNAPSHOT.jar");
const LIB = join(ROOT, "cli/target/lib");
export const ROOT_PASSWORD = "root-password-for-tests";
const START_TIMEOUT_MS = 180_000;

export class TestServer {
  private process: ChildProcess | null = null;
  port = 0;
  readonly dataDir: string;
  private log: string[] = [];

  private constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Starts a server on a free port with a fresh data directory. */
  static async start(): Promise<TestServer> {
    if (!existsSync(JAR) || !existsSync(LIB)) {
      throw new Error(
        `Cannot start the server: ${JAR} or ${LIB} is missing; build it first ` +
          "(./mvnw -pl cli -am package -DskipTests, or ./mvnw verify, which runs these tests)",
      );
    }
    const server = new TestServer(mkdtempSync(join(tmpdir(), "tributary-sdk-ts-")));
    await server.run(0);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A client logged in as root. */
  root(): TributaryClient {
    return createClient({ url: this.url, auth: { user: "root", password: ROOT_PASSWORD } });
  }

  /** Stops the server (SIGTERM, as Ctrl-C) and waits for it to exit. */
  async stop(): Promise<void> {
    const p = this.process;
    if (p === null) {
      return;
    }
    this.process = null;
    if (p.exitCode !== null || p.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM");
    const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
    await exited;
    clearTimeout(timer);
  }

  /** Starts the stopped server again on the same port and data directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.run(this.port);
  }

  /** Stops the server and deletes its data. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async run(port: number): Promise<void> {
    this.log = [];
    const javaHome = process.env["JAVA_HOME"];
    const java = javaHome && existsSync(join(javaHome, "bin/java")) ? join(javaHome, "bin/java") : "java";
    const p = spawn(
      java,
      [
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-Xmx768m",
        "-cp",
        `${JAR}:${LIB}/*`,
        "io.tributary.cli.Main",
        "start",
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--data-dir",
        this.dataDir,
        "--partitions",
        "1",
      ],
      { env: { ...process.env, TRIBUTARY_ROOT_PASSWORD: ROOT_PASSWORD }, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.process = p;
    this.port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Cannot start the server: not ready within ${START_TIMEOUT_MS} ms:\n${this.log.join("")}`));
      }, START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        const text = chunk.toString();
        this.log.push(text);
        if (process.env["TRIBUTARY_TEST_VERBOSE"]) {
          process.stderr.write(text);
        }
        const m = /Tributary ready on \w+:\/\/[^:\s]+:(\d+)/.exec(this.log.join(""));
        if (m) {
          clearTimeout(timer);
          resolvePort(Number(m[1]));
        }
      };
      p.stdout!.on("data", onData);
      p.stderr!.on("data", onData);
      p.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Cannot start the server: it exited with ${code}:\n${this.log.join("")}`));
      });
    });
  }
}

/** Waits until `check` returns true, polling every 50 ms, or fails after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
