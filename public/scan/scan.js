// The account manager's scan of a shop's order QR code: camera frames decoded with jsQR
// (vendored beside this file, loaded here only). Works offline once the service worker
// keeps these files.
(function () {
  let stopScan = () => {};
  function load(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  window.dinghuoScanStop = () => stopScan();
  window.dinghuoScan = async function (videoId, onCode, onError) {
    stopScan();
    let stopped = false;
    let stream = null;
    stopScan = () => {
      stopped = true;
      if (stream) stream.getTracks().forEach((track) => track.stop());
    };
    try {
      if (!window.jsQR) await load('/scan/jsQR.js');
      const video = document.getElementById(videoId);
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      if (stopped) { stopScan(); return; }
      // Muted and inline, so the browser lets it play without a tap.
      video.muted = true;
      video.setAttribute('playsinline', '');
      video.srcObject = stream;
      await video.play();
      const canvas = document.createElement('canvas');
      const context = canvas.getContext('2d', { willReadFrequently: true });
      const tick = () => {
        if (stopped) return;
        if (video.readyState >= 2 && video.videoWidth > 0) {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0);
          const frame = context.getImageData(0, 0, canvas.width, canvas.height);
          const code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' });
          if (code && code.data) {
            stopScan();
            onCode(code.data);
            return;
          }
        }
        setTimeout(tick, 150);
      };
      tick();
    } catch (error) {
      stopScan();
      onError(String((error && error.name) || error));
    }
  };
})();
