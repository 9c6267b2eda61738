// With SMS_WEBOTP_DOMAIN set, the SMS ends with "@<domain> #<code>": where the browser has
// the WebOTP API (Chrome on Android), it asks to read that SMS, fills the code in and sends
// the form. Elsewhere autocomplete="one-time-code" lets the keyboard offer the code.
(function () {
  "use strict";
  if (!("OTPCredential" in window) || !navigator.credentials) return;
  var input = document.querySelector('input[autocomplete="one-time-code"]');
  if (!input || !input.form) return;
  var form = input.form;
  var abort = new AbortController();
  form.addEventListener("submit", function () { abort.abort(); });
  navigator.credentials
    .get({ otp: { transport: ["sms"] }, signal: abort.signal })
    .then(function (otp) {
      if (!otp || !otp.code) return;
      input.value = otp.code;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    })
    .catch(function () { /* dismissed, aborted or timed out: the person types the code */ });
})();
