// The chat demo: login, a live conversation list (SHARED table), live messages (USER table) with
// optimistic sends, and a typing indicator (STREAM table). The API address is the page's `api`
// query parameter, else the page's own origin.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { TributaryProvider, useLiveQuery } from "../src/react.js";
import { createClient, type TributaryClient, type TributaryError } from "../src/web.js";

type Conversation = { id: string; title: string };
type Message = { id: string; conversation_id: string; body: string; author: string | null; sent_at: Date | null };
type Typing = { conversation_id: string; typing: boolean; updated_at: Date | null };

const api = new URLSearchParams(location.search).get("api") ?? location.origin;

function App() {
  const [session, setSession] = useState<{ client: TributaryClient; user: string } | null>(null);
  if (session === null) {
    return <Login onLogin={(client, user) => setSession({ client, user })} />;
  }
  return (
    <TributaryProvider client={session.client}>
      <Chat user={session.user} />
    </TributaryProvider>
  );
}

function Login(props: { onLogin: (client: TributaryClient, user: string) => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const client = createClient({ url: api });
    try {
      const login = await client.login(user, password);
      props.onLogin(client, login.user);
    } catch (err) {
      setError((err as TributaryError).message);
    }
  };
  return (
    <form className="login" onSubmit={submit}>
      <h2>Tributary chat</h2>
      <input name="user" autoComplete="username" placeholder="user" value={user} onChange={(e) => setUser(e.target.value)} />
      <input name="password" type="password" autoComplete="current-password" placeholder="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit">Log in</button>
      {error && <div className="error">{error}</div>}
    </form>
  );
}

function Chat(props: { user: string }) {
  const conversations = useLiveQuery<Conversation>("SELECT id, title FROM demo.conversations ORDER BY title");
  const [selected, setSelected] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const current = selected ?? conversations.rows[0]?.id ?? null;
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const t = title.trim();
    if (t && conversations.query) {
      setTitle("");
      const id = t.toLowerCase().replace(/[^a-z0-9]+/g, "-") + "-" + crypto.randomUUID().slice(0, 8);
      await conversations.query.insert({ id, title: t });
      setSelected(id);
    }
  };
  return (
    <>
      <header>
        <h1>Tributary chat</h1>
        <span className="status" data-testid="whoami">
          {props.user}
        </span>
      </header>
      <main>
        <nav>
          {conversations.rows.map((c) => (
            <button
              key={c.id}
              className={"conv" + (c.id === current ? " active" : "")}
              data-testid={`conv-${c.id}`}
              onClick={() => setSelected(c.id)}
            >
              # {c.title}
            </button>
          ))}
          <form onSubmit={create}>
            <input placeholder="new conversation" value={title} onChange={(e) => setTitle(e.target.value)} />
            <button type="submit">+</button>
          </form>
        </nav>
        {current && <Conversation id={current} />}
      </main>
    </>
  );
}

function Conversation(props: { id: string }) {
  const messages = useLiveQuery<Message>(
    "SELECT id, conversation_id, body, author, sent_at FROM demo.messages WHERE conversation_id = $1 ORDER BY sent_at",
    [props.id],
    [props.id],
  );
  const typing = useLiveQuery<Typing>("SELECT conversation_id, typing, updated_at FROM demo.typing WHERE conversation_id = $1", [props.id], [
    props.id,
  ]);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    list.current?.scrollTo(0, list.current.scrollHeight);
  }, [messages.rows]);

  // The typing state follows the input: written to the STREAM table when it differs from the row.
  const typingRow = typing.rows[0];
  const wantTyping = text.trim().length > 0;
  const typingFailed = useRef(false);
  useEffect(() => {
    const q = typing.query;
    if (!q || !typing.ready || typingFailed.current || (typingRow?.typing ?? false) === wantTyping) {
      return;
    }
    const write = typingRow
      ? q.update({ conversation_id: props.id }, { typing: wantTyping, updated_at: new Date() })
      : q.insert({ conversation_id: props.id, typing: wantTyping, updated_at: new Date() });
    write.catch((e: TributaryError) => {
      typingFailed.current = true;
      setError(e.message);
    });
  }, [typing.query, typing.ready, typingRow, wantTyping, props.id]);

  const send = (e: FormEvent) => {
    e.preventDefault();
    const body = text.trim();
    if (!body || !messages.query) {
      return;
    }
    setText("");
    messages.query
      .insert({ id: crypto.randomUUID(), conversation_id: props.id, body, sent_at: new Date() })
      .catch((err: TributaryError) => setError(err.message));
  };
  return (
    <section className="chat">
      <ul className="messages" data-testid="messages">
        {messages.rows.map((m) => (
          <li key={m.id} className={m._pending ? "pending" : ""} data-testid="message" data-pending={m._pending ? "true" : "false"}>
            {m.body}
            <small>
              {m.author ?? "you"} · {m._pending ? "sending…" : m.sent_at?.toLocaleTimeString()}
            </small>
          </li>
        ))}
      </ul>
      <div className="typing" data-testid="typing">
        {typingRow?.typing ? "✎ you are typing…" : ""}
      </div>
      {error && <div className="error">{error}</div>}
      <form className="compose" onSubmit={send}>
        <input
          name="message"
          placeholder="Message"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button className="send" type="submit">
          Send
        </button>
      </form>
    </section>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
