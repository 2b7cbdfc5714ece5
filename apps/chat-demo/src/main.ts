// Entry point of the chat demo: loads the connection settings, then shows the sign-in screen
// and, once signed in, the chat.
import "./styles.css"
import { renderChat } from "./ui/ChatView.js"
import { renderLogin } from "./ui/LoginView.js"
import { loadSettings } from "./xmpp/Settings.js"

const root = document.querySelector<HTMLElement>("#app")
if (root === null) throw new Error("index.html has no #app element")

const settings = await loadSettings()
const showLogin = (): void =>
  renderLogin(root, settings, (session) => renderChat(root, session, showLogin))
showLogin()
