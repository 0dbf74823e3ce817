// Passkeys for the keycard example: plain JavaScript, no build step, no inline code (the CSP
// is script-src 'self'). It speaks the JSON of keycard's passkey handler, which is what
// PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON take and what
// credential.toJSON() returns; for browsers without those, it converts base64url itself.
"use strict";

(() => {
  const supported = typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

  // --- base64url and JSON conversion, for browsers without the *FromJSON / toJSON methods ---
  const b64urlToBuf = (s) => {
    const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
  };
  const bufToB64url = (buf) =>
    btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const descriptors = (list) => (list || []).map((d) => ({ ...d, id: b64urlToBuf(d.id) }));

  const creationOptions = (json) => {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return { ...json, challenge: b64urlToBuf(json.challenge), user: { ...json.user, id: b64urlToBuf(json.user.id) },
      excludeCredentials: descriptors(json.excludeCredentials) };
  };
  const requestOptions = (json) => {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return { ...json, challenge: b64urlToBuf(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
  };
  const credentialJSON = (cred) => {
    if (typeof cred.toJSON === "function") return cred.toJSON();
    const r = cred.response;
    const response = { clientDataJSON: bufToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bufToB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = bufToB64url(r.authenticatorData);
      response.signature = bufToB64url(r.signature);
      if (r.userHandle) response.userHandle = bufToB64url(r.userHandle);
    }
    return { id: cred.id, rawId: bufToB64url(cred.rawId), type: cred.type, response,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults() };
  };

  // post sends JSON to the handler and returns {status, body}. Same-origin fetches carry the
  // cookies and the Origin header that keycard's cross-origin protection checks.
  const post = async (path, body, method = "POST") => {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try { data = await res.json(); } catch { /* 204 and the like */ }
    return { status: res.status, body: data };
  };

  const show = (el, text) => { if (el) { el.textContent = text; el.hidden = !text; } };

  // --- login page: the button and the browser's autofill (conditional mediation) ---
  const initLogin = (root) => {
    const button = document.getElementById("passkey-signin");
    const error = document.getElementById("passkey-error");
    const next = document.querySelector('input[name="next"]')?.value || "/";
    let pending = null; // the AbortController of the ceremony in progress

    const signIn = async (mediation) => {
      if (pending) pending.abort();
      const ctrl = new AbortController();
      pending = ctrl;
      const opts = await post("/passkey/login/options");
      if (opts.status !== 200) throw new Error("options " + opts.status);
      let cred;
      try {
        cred = await navigator.credentials.get({ publicKey: requestOptions(opts.body), mediation, signal: ctrl.signal });
      } catch (e) {
        if (ctrl.signal.aborted || e.name === "AbortError") return; // replaced by another ceremony
        e.fromBrowser = true; // cancelled, or no passkey here: not the server's refusal
        throw e;
      } finally {
        if (pending === ctrl) pending = null;
      }
      const json = credentialJSON(cred);
      const res = await post("/passkey/login?next=" + encodeURIComponent(next), json);
      if (res.status === 200) {
        window.location.assign(res.body.redirect || "/");
        return;
      }
      if (res.body?.error === "unknown_credential" && PublicKeyCredential.signalUnknownCredential) {
        // Tell the password manager this passkey is gone, so it stops offering it.
        PublicKeyCredential.signalUnknownCredential({ rpId: opts.body.rpId || location.hostname, credentialId: json.id }).catch(() => {});
      }
      throw new Error(res.body?.error || "status " + res.status);
    };

    // autofill offers the user's passkeys in the e-mail field's suggestions. After the server
    // refuses one it offers them again, a few times; after the browser gives up (no passkey,
    // or the user dismissed it) it stops until the button is used.
    let autofillLeft = 3;
    const autofill = async () => {
      if (autofillLeft <= 0) return;
      if (!PublicKeyCredential.isConditionalMediationAvailable || !(await PublicKeyCredential.isConditionalMediationAvailable())) return;
      autofillLeft--;
      try {
        await signIn("conditional");
      } catch (e) {
        root.dataset.lastError = String(e.message || e);
        if (e.fromBrowser) return;
        show(error, "That passkey did not work. Try again, or use your password.");
        autofill();
      }
    };

    button.addEventListener("click", async () => {
      show(error, "");
      button.disabled = true;
      try {
        await signIn("optional");
      } catch (e) {
        root.dataset.lastError = String(e.message || e);
        show(error, e.name === "NotAllowedError" ? "Sign-in with a passkey was cancelled." : "That passkey did not work. Try again, or use your password.");
      } finally {
        button.disabled = false;
        if (!pending) { autofillLeft = 1; autofill(); }
      }
    });
    root.hidden = false;
    autofill();
  };

  // --- dashboard: add, list, rename and remove passkeys ---
  const initDashboard = (root) => {
    const list = document.getElementById("passkey-list");
    const empty = document.getElementById("passkey-empty");
    const error = document.getElementById("passkey-error");
    const notice = document.getElementById("passkey-notice");
    const form = document.getElementById("passkey-add");
    const nameInput = document.getElementById("passkey-name");
    const item = document.getElementById("passkey-item");
    const date = (s) => new Date(s).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

    // A stale session must sign in again before it may add or remove passkeys.
    const reauth = (res) => {
      if (res.status === 401 && res.body?.error === "reauth_required") {
        window.location.assign("/login?reason=reauth&next=" + encodeURIComponent("/"));
        return true;
      }
      return false;
    };

    const render = async () => {
      const res = await post("/passkey/credentials", undefined, "GET");
      if (res.status !== 200) { show(error, "Could not load your passkeys."); return; }
      list.replaceChildren();
      for (const pk of res.body.passkeys) {
        const li = item.content.firstElementChild.cloneNode(true);
        li.dataset.id = pk.id;
        li.querySelector(".passkey-name").textContent = pk.name;
        li.querySelector(".passkey-dates").textContent = "Added " + date(pk.created) +
          (pk.last_used ? " · last used " + date(pk.last_used) : " · never used") + (pk.backup_eligible ? " · synced" : "");
        list.append(li);
      }
      empty.hidden = res.body.passkeys.length > 0;
      if (PublicKeyCredential.signalAllAcceptedCredentials && res.body.user_id) {
        // Keep the password manager's list in step with ours (removed passkeys disappear).
        PublicKeyCredential.signalAllAcceptedCredentials({ rpId: res.body.rp_id, userId: res.body.user_id,
          allAcceptedCredentialIds: res.body.passkeys.map((p) => p.id) }).catch(() => {});
      }
    };

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      show(error, ""); show(notice, "");
      const button = document.getElementById("passkey-add-button");
      button.disabled = true;
      try {
        const opts = await post("/passkey/register/options", { name: nameInput.value });
        if (reauth(opts)) return;
        if (opts.status === 409) { show(error, "You have as many passkeys as allowed. Remove one first."); return; }
        if (opts.status !== 200) { show(error, "Could not start adding a passkey."); return; }
        let cred;
        try {
          cred = await navigator.credentials.create({ publicKey: creationOptions(opts.body) });
        } catch (e) {
          show(error, e.name === "InvalidStateError" ? "This device already has a passkey for your account." : "Adding a passkey was cancelled.");
          return;
        }
        const res = await post("/passkey/register", credentialJSON(cred));
        if (reauth(res)) return;
        if (res.status !== 201) { show(error, "The passkey could not be added (" + (res.body?.error || res.status) + ")."); return; }
        nameInput.value = "";
        show(notice, "Passkey added. Next time, sign in with it.");
        await render();
      } finally {
        button.disabled = false;
      }
    });

    list.addEventListener("click", async (ev) => {
      const button = ev.target.closest("button[data-action]");
      if (!button) return;
      const li = button.closest("li");
      const id = li.dataset.id;
      show(error, ""); show(notice, "");
      if (button.dataset.action === "rename") {
        const name = window.prompt("New name for this passkey", li.querySelector(".passkey-name").textContent);
        if (name === null) return;
        const res = await post("/passkey/credentials/" + encodeURIComponent(id), { name }, "PATCH");
        if (res.status !== 200) { show(error, "Names are 1 to 64 characters."); return; }
      } else if (button.dataset.action === "remove") {
        if (!window.confirm("Remove this passkey? You will not be able to sign in with it.")) return;
        const res = await post("/passkey/credentials/" + encodeURIComponent(id), undefined, "DELETE");
        if (reauth(res)) return;
        if (res.status !== 204) { show(error, "The passkey could not be removed."); return; }
        show(notice, "Passkey removed.");
      }
      await render();
    });

    root.hidden = false;
    render();
  };

  const start = () => {
    if (!supported) return; // the password form still works
    const login = document.getElementById("passkey-login");
    if (login) initLogin(login);
    const dashboard = document.getElementById("passkeys");
    if (dashboard) initDashboard(dashboard);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
