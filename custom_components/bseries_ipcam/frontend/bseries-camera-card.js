var W=globalThis,j=W.ShadowRoot&&(W.ShadyCSS===void 0||W.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,V=Symbol(),ot=new WeakMap,P=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==V)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(j&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=ot.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&ot.set(e,t))}return t}toString(){return this.cssText}},at=o=>new P(typeof o=="string"?o:o+"",void 0,V),q=(o,...t)=>{let e=o.length===1?o[0]:t.reduce((s,i,n)=>s+(r=>{if(r._$cssResult$===!0)return r.cssText;if(typeof r=="number")return r;throw Error("Value passed to 'css' function must be a 'css' function result: "+r+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+o[n+1],o[0]);return new P(e,o,V)},lt=(o,t)=>{if(j)o.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),i=W.litNonce;i!==void 0&&s.setAttribute("nonce",i),s.textContent=e.cssText,o.appendChild(s)}},F=j?o=>o:o=>o instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return at(e)})(o):o;var{is:Ct,defineProperty:Pt,getOwnPropertyDescriptor:Tt,getOwnPropertyNames:Rt,getOwnPropertySymbols:Ut,getPrototypeOf:Lt}=Object,z=globalThis,ct=z.trustedTypes,Ht=ct?ct.emptyScript:"",Mt=z.reactiveElementPolyfillSupport,T=(o,t)=>o,G={toAttribute(o,t){switch(t){case Boolean:o=o?Ht:null;break;case Object:case Array:o=o==null?o:JSON.stringify(o)}return o},fromAttribute(o,t){let e=o;switch(t){case Boolean:e=o!==null;break;case Number:e=o===null?null:Number(o);break;case Object:case Array:try{e=JSON.parse(o)}catch{e=null}}return e}},dt=(o,t)=>!Ct(o,t),ht={attribute:!0,type:String,converter:G,reflect:!1,useDefault:!1,hasChanged:dt};Symbol.metadata??=Symbol("metadata"),z.litPropertyMetadata??=new WeakMap;var g=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=ht){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),i=this.getPropertyDescriptor(t,s,e);i!==void 0&&Pt(this.prototype,t,i)}}static getPropertyDescriptor(t,e,s){let{get:i,set:n}=Tt(this.prototype,t)??{get(){return this[e]},set(r){this[e]=r}};return{get:i,set(r){let d=i?.call(this);n?.call(this,r),this.requestUpdate(t,d,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??ht}static _$Ei(){if(this.hasOwnProperty(T("elementProperties")))return;let t=Lt(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(T("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(T("properties"))){let e=this.properties,s=[...Rt(e),...Ut(e)];for(let i of s)this.createProperty(i,e[i])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,i]of e)this.elementProperties.set(s,i)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let i=this._$Eu(e,s);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let i of s)e.unshift(F(i))}else t!==void 0&&e.push(F(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return lt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),i=this.constructor._$Eu(t,s);if(i!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:G).toAttribute(e,s.type);this._$Em=t,n==null?this.removeAttribute(i):this.setAttribute(i,n),this._$Em=null}}_$AK(t,e){let s=this.constructor,i=s._$Eh.get(t);if(i!==void 0&&this._$Em!==i){let n=s.getPropertyOptions(i),r=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:G;this._$Em=i;let d=r.fromAttribute(e,n.type);this[i]=d??this._$Ej?.get(i)??d,this._$Em=null}}requestUpdate(t,e,s,i=!1,n){if(t!==void 0){let r=this.constructor;if(i===!1&&(n=this[t]),s??=r.getPropertyOptions(t),!((s.hasChanged??dt)(n,e)||s.useDefault&&s.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(r._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:i,wrapped:n},r){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,r??e??this[t]),n!==!0||r!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),i===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,n]of this._$Ep)this[i]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[i,n]of s){let{wrapped:r}=n,d=this[i];r!==!0||this._$AL.has(i)||d===void 0||this.C(i,void 0,n,d)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};g.elementStyles=[],g.shadowRootOptions={mode:"open"},g[T("elementProperties")]=new Map,g[T("finalized")]=new Map,Mt?.({ReactiveElement:g}),(z.reactiveElementVersions??=[]).push("2.1.2");var et=globalThis,pt=o=>o,B=et.trustedTypes,ut=B?B.createPolicy("lit-html",{createHTML:o=>o}):void 0,yt="$lit$",y=`lit$${Math.random().toFixed(9).slice(2)}$`,$t="?"+y,Nt=`<${$t}>`,A=document,U=()=>A.createComment(""),L=o=>o===null||typeof o!="object"&&typeof o!="function",st=Array.isArray,Ot=o=>st(o)||typeof o?.[Symbol.iterator]=="function",Y=`[ 	
\f\r]`,R=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,_t=/-->/g,ft=/>/g,$=RegExp(`>|${Y}(?:([^\\s"'>=/]+)(${Y}*=${Y}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),mt=/'/g,gt=/"/g,bt=/^(?:script|style|textarea|title)$/i,it=o=>(t,...e)=>({_$litType$:o,strings:t,values:e}),h=it(1),ne=it(2),re=it(3),w=Symbol.for("lit-noChange"),l=Symbol.for("lit-nothing"),vt=new WeakMap,b=A.createTreeWalker(A,129);function At(o,t){if(!st(o)||!o.hasOwnProperty("raw"))throw Error("invalid template strings array");return ut!==void 0?ut.createHTML(t):t}var Dt=(o,t)=>{let e=o.length-1,s=[],i,n=t===2?"<svg>":t===3?"<math>":"",r=R;for(let d=0;d<e;d++){let a=o[d],p,u,c=-1,m=0;for(;m<a.length&&(r.lastIndex=m,u=r.exec(a),u!==null);)m=r.lastIndex,r===R?u[1]==="!--"?r=_t:u[1]!==void 0?r=ft:u[2]!==void 0?(bt.test(u[2])&&(i=RegExp("</"+u[2],"g")),r=$):u[3]!==void 0&&(r=$):r===$?u[0]===">"?(r=i??R,c=-1):u[1]===void 0?c=-2:(c=r.lastIndex-u[2].length,p=u[1],r=u[3]===void 0?$:u[3]==='"'?gt:mt):r===gt||r===mt?r=$:r===_t||r===ft?r=R:(r=$,i=void 0);let v=r===$&&o[d+1].startsWith("/>")?" ":"";n+=r===R?a+Nt:c>=0?(s.push(p),a.slice(0,c)+yt+a.slice(c)+y+v):a+y+(c===-2?d:v)}return[At(o,n+(o[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},H=class o{constructor({strings:t,_$litType$:e},s){let i;this.parts=[];let n=0,r=0,d=t.length-1,a=this.parts,[p,u]=Dt(t,e);if(this.el=o.createElement(p,s),b.currentNode=this.el.content,e===2||e===3){let c=this.el.content.firstChild;c.replaceWith(...c.childNodes)}for(;(i=b.nextNode())!==null&&a.length<d;){if(i.nodeType===1){if(i.hasAttributes())for(let c of i.getAttributeNames())if(c.endsWith(yt)){let m=u[r++],v=i.getAttribute(c).split(y),I=/([.?@])?(.*)/.exec(m);a.push({type:1,index:n,name:I[2],strings:v,ctor:I[1]==="."?X:I[1]==="?"?Z:I[1]==="@"?Q:S}),i.removeAttribute(c)}else c.startsWith(y)&&(a.push({type:6,index:n}),i.removeAttribute(c));if(bt.test(i.tagName)){let c=i.textContent.split(y),m=c.length-1;if(m>0){i.textContent=B?B.emptyScript:"";for(let v=0;v<m;v++)i.append(c[v],U()),b.nextNode(),a.push({type:2,index:++n});i.append(c[m],U())}}}else if(i.nodeType===8)if(i.data===$t)a.push({type:2,index:n});else{let c=-1;for(;(c=i.data.indexOf(y,c+1))!==-1;)a.push({type:7,index:n}),c+=y.length-1}n++}}static createElement(t,e){let s=A.createElement("template");return s.innerHTML=t,s}};function x(o,t,e=o,s){if(t===w)return t;let i=s!==void 0?e._$Co?.[s]:e._$Cl,n=L(t)?void 0:t._$litDirective$;return i?.constructor!==n&&(i?._$AO?.(!1),n===void 0?i=void 0:(i=new n(o),i._$AT(o,e,s)),s!==void 0?(e._$Co??=[])[s]=i:e._$Cl=i),i!==void 0&&(t=x(o,i._$AS(o,t.values),i,s)),t}var J=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,i=(t?.creationScope??A).importNode(e,!0);b.currentNode=i;let n=b.nextNode(),r=0,d=0,a=s[0];for(;a!==void 0;){if(r===a.index){let p;a.type===2?p=new M(n,n.nextSibling,this,t):a.type===1?p=new a.ctor(n,a.name,a.strings,this,t):a.type===6&&(p=new tt(n,this,t)),this._$AV.push(p),a=s[++d]}r!==a?.index&&(n=b.nextNode(),r++)}return b.currentNode=A,i}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},M=class o{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,i){this.type=2,this._$AH=l,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=x(this,t,e),L(t)?t===l||t==null||t===""?(this._$AH!==l&&this._$AR(),this._$AH=l):t!==this._$AH&&t!==w&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Ot(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==l&&L(this._$AH)?this._$AA.nextSibling.data=t:this.T(A.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,i=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=H.createElement(At(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===i)this._$AH.p(e);else{let n=new J(i,this),r=n.u(this.options);n.p(e),this.T(r),this._$AH=n}}_$AC(t){let e=vt.get(t.strings);return e===void 0&&vt.set(t.strings,e=new H(t)),e}k(t){st(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,i=0;for(let n of t)i===e.length?e.push(s=new o(this.O(U()),this.O(U()),this,this.options)):s=e[i],s._$AI(n),i++;i<e.length&&(this._$AR(s&&s._$AB.nextSibling,i),e.length=i)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=pt(t).nextSibling;pt(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},S=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,i,n){this.type=1,this._$AH=l,this._$AN=void 0,this.element=t,this.name=e,this._$AM=i,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=l}_$AI(t,e=this,s,i){let n=this.strings,r=!1;if(n===void 0)t=x(this,t,e,0),r=!L(t)||t!==this._$AH&&t!==w,r&&(this._$AH=t);else{let d=t,a,p;for(t=n[0],a=0;a<n.length-1;a++)p=x(this,d[s+a],e,a),p===w&&(p=this._$AH[a]),r||=!L(p)||p!==this._$AH[a],p===l?t=l:t!==l&&(t+=(p??"")+n[a+1]),this._$AH[a]=p}r&&!i&&this.j(t)}j(t){t===l?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},X=class extends S{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===l?void 0:t}},Z=class extends S{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==l)}},Q=class extends S{constructor(t,e,s,i,n){super(t,e,s,i,n),this.type=5}_$AI(t,e=this){if((t=x(this,t,e,0)??l)===w)return;let s=this._$AH,i=t===l&&s!==l||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,n=t!==l&&(s===l||i);i&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},tt=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){x(this,t)}};var It=et.litHtmlPolyfillSupport;It?.(H,M),(et.litHtmlVersions??=[]).push("3.3.3");var wt=(o,t,e)=>{let s=e?.renderBefore??t,i=s._$litPart$;if(i===void 0){let n=e?.renderBefore??null;s._$litPart$=i=new M(t.insertBefore(U(),n),n,void 0,e??{})}return i._$AI(o),i};var nt=globalThis,_=class extends g{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=wt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return w}};_._$litElement$=!0,_.finalized=!0,nt.litElementHydrateSupport?.({LitElement:_});var Wt=nt.litElementPolyfillSupport;Wt?.({LitElement:_});(nt.litElementVersions??=[]).push("4.2.2");function f(o){return typeof o=="object"&&o!==null&&"message"in o?String(o.message):String(o)}var rt=8e3,Et=.12,jt=.35,xt=3e3,zt=512,Bt=`registerProcessor("bseries-capture", class extends AudioWorkletProcessor {
  constructor() { super(); this.block = new Float32Array(${String(zt)}); this.filled = 0; }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) {
      for (let i = 0; i < channel.length; i++) {
        this.block[this.filled++] = channel[i];
        if (this.filled === this.block.length) {
          this.port.postMessage(this.block.slice(0));
          this.filled = 0;
        }
      }
    }
    return true;
  }
});`;function Kt(o){let t=Uint8Array.from(atob(o),e=>e.charCodeAt(0));return new Int16Array(t.buffer,0,t.length>>1)}var K=class{constructor(t,e,s){this.hass=t;this.entityId=e;this.onError=s;this.context=null;this.unsubscribe=null;this.playAt=0;this.lastEventAt=0;this.watchdog=0;this.resubscribing=!1;this.skipped=0;this.played=0;this.resubscribed=0;this.lastStamp=-1;this.lastLatency=0}get active(){return this.context!==null}async start(){let t=new AudioContext({sampleRate:rt,latencyHint:"interactive"});this.context=t,await t.resume();try{this.unsubscribe=await this.subscribe()}catch(e){throw await this.stop(),e}this.lastEventAt=performance.now(),this.watchdog=window.setInterval(()=>{this.checkStall()},xt/3)}stopped(){return this.context===null}subscribe(){return this.hass.connection.subscribeMessage(t=>{this.onEvent(t)},{type:"bseries_ipcam/listen",entity_id:this.entityId})}async checkStall(){if(!(this.context===null||this.resubscribing)&&!(performance.now()-this.lastEventAt<xt)){this.resubscribing=!0;try{let t=this.unsubscribe;if(this.unsubscribe=null,await t?.().catch(()=>{}),this.stopped())return;let e=await this.subscribe();if(this.stopped()){await e().catch(()=>{});return}this.unsubscribe=e,this.resubscribed+=1,this.onError("")}catch(t){this.onError(f(t))}finally{this.lastEventAt=performance.now(),this.resubscribing=!1}}}onEvent(t){let e=this.context;if(e===null)return;if(t.type==="end"){this.onError("");return}if(this.lastEventAt=performance.now(),t.type==="start")return;let s=e.currentTime;if(this.playAt<s+Et/2&&(this.playAt=s+Et),this.playAt>s+jt){this.skipped+=1;return}let i=Kt(t.pcm),n=e.createBuffer(1,i.length,rt),r=n.getChannelData(0);for(let a=0;a<i.length;a+=1)r[a]=(i[a]??0)/32768;let d=e.createBufferSource();d.buffer=n,d.connect(e.destination),d.start(this.playAt),this.lastStamp=t.t,this.lastLatency=this.playAt-s+e.baseLatency+(e.outputLatency||0),this.playAt+=n.duration,this.played+=1}async stop(){let t=this.unsubscribe,e=this.context;if(this.unsubscribe=null,this.context=null,this.playAt=0,window.clearInterval(this.watchdog),t!==null)try{await t()}catch{}e!==null&&await e.close()}},k=class{constructor(t,e,s){this.hass=t;this.entityId=e;this.onEnd=s;this.context=null;this.stream=null;this.processor=null;this.unsubscribe=null;this.handler=0;this.sentSamples=0}static get secure(){return window.isSecureContext&&"mediaDevices"in navigator}get active(){return this.context!==null}async start(){let t=await navigator.mediaDevices.getUserMedia({audio:{channelCount:1,echoCancellation:!0,noiseSuppression:!0}});this.stream=t;let e=new AudioContext({sampleRate:rt,latencyHint:"interactive"});this.context=e;try{this.unsubscribe=await this.hass.connection.subscribeMessage(r=>{this.onEvent(r)},{type:"bseries_ipcam/talk",entity_id:this.entityId},{resubscribe:!1})}catch(r){throw await this.release(),r}let s=e.createMediaStreamSource(t),i=URL.createObjectURL(new Blob([Bt],{type:"text/javascript"}));try{await e.audioWorklet.addModule(i)}finally{URL.revokeObjectURL(i)}let n=new AudioWorkletNode(e,"bseries-capture");n.port.onmessage=r=>{this.send(r.data)},s.connect(n),this.processor=n,await e.resume()}onEvent(t){if(t.type==="start"){this.handler=t.handler_id;return}this.release(),this.onEnd(t.type==="error"?t.message:null)}send(t){let e=this.hass.connection.socket;if(this.handler===0||e===null||e===void 0)return;let s=new Uint8Array(1+t.length*2);s[0]=this.handler;let i=new DataView(s.buffer);for(let n=0;n<t.length;n+=1){let r=Math.max(-1,Math.min(1,t[n]??0));i.setInt16(1+n*2,Math.round(r*32767),!0)}e.send(s),this.sentSamples+=t.length}async stop(){let t=this.hass.connection.socket;this.handler!==0&&t!==null&&t!==void 0&&t.send(new Uint8Array([this.handler])),this.handler=0,await this.release()}async release(){this.processor?.disconnect(),this.processor=null,this.stream?.getTracks().forEach(s=>{s.stop()}),this.stream=null;let t=this.context;this.context=null,t!==null&&await t.close();let e=this.unsubscribe;this.unsubscribe=null,e!==null&&window.setTimeout(()=>{e().catch(()=>{})},2e3)}};var Vt=[{name:"entity",required:!0,selector:{entity:{domain:"camera",integration:"bseries_ipcam"}}}],N=class extends _{constructor(){super(...arguments);this._changed=e=>{e.stopPropagation(),this._config={...e.detail.value},this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:this._config},bubbles:!0,composed:!0}))}}setConfig(e){this._config=e}render(){return this.hass===void 0||this._config===void 0?h``:h`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${Vt}
      .computeLabel=${()=>this.hass?.localize("component.bseries_ipcam.selector.card.options.camera")??"camera"}
      @value-changed=${this._changed}
    ></ha-form>`}};N.properties={hass:{attribute:!1},_config:{state:!0}};var E="bseries_ipcam",C="bseries-camera-card",qt=[["up_left","\u2196"],["up","\u2191"],["up_right","\u2197"],["left","\u2190"],["center","\u25CF"],["right","\u2192"],["down_left","\u2199"],["down","\u2193"],["down_right","\u2198"]],St={ArrowUp:"up",ArrowDown:"down",ArrowLeft:"left",ArrowRight:"right"},Ft=["motion","sound","input"],Gt=["off","horizontal","vertical","both"],Yt=10,O=new Map,Jt=2e3,D=class extends _{constructor(){super(...arguments);this._error="";this._notice="";this._listening=!1;this._talking=!1;this._recording=!1;this._clip="";this._clipUrl="";this._presetName="";this._streamReady=!1;this._listener=null;this._talker=null;this._moving=null;this._loaded="";this._loading=!1;this._failedWith="";this._onReconnect=()=>{this._loaded="",this.requestUpdate()};this._onPictureKey=e=>{let s=St[e.key];s===void 0||e.repeat||this._info?.pan_tilt!==!0||(e.preventDefault(),this._press(s))};this._onPictureKeyUp=e=>{St[e.key]!==void 0&&this._release()};this._toggleListen=async()=>{if(this._listener!==null){let n=this._listener;this._listener=null,this._listening=!1,await n.stop();return}let e=this.hass,s=this._config?.entity;if(e===void 0||s===void 0)return;let i=new K(e,s,n=>{this._notice=n});this._listener=i,this._listening=!0;try{await i.start(),this._notice=""}catch(n){this._listener=null,this._listening=!1,this._notice=f(n)}};this._record=async()=>{let e=this.hass,s=this._config?.entity;if(!(e===void 0||s===void 0)){this._recording=!0;try{let r=(await e.callService(E,"record",{duration:Yt},{entity_id:s},!1,!0)).response?.[s]?.path??"";this._clip=r.split("/").pop()??r,this._clipUrl=await this._clipLink(r),this._notice=""}catch(i){this._notice=f(i)}finally{this._recording=!1}}};this._savePreset=async()=>{let e=this._presetName.trim();await this._preset("save",e===""?void 0:e),this._notice===""&&(this._presetName="")}}static getConfigElement(){return document.createElement(`${C}-editor`)}static getStubConfig(e){let s=Object.values(e.entities).find(i=>i?.platform===E&&i.entity_id.startsWith("camera."))?.entity_id??"";return{type:`custom:${C}`,entity:s}}setConfig(e){if(typeof e.entity!="string"||!e.entity.startsWith("camera."))throw new Error("entity: a camera entity of the B-Series IP Camera integration");this._config?.entity!==e.entity&&(this._stopAll(),this._info=void 0,this._loaded=""),this._config=e}getCardSize(){return 7}getGridOptions(){return{columns:12,rows:8,min_columns:6,min_rows:6}}t(e,s){let i=this.hass?.localize(`component.${E}.selector.card.options.${e}`,s);return i!==void 0&&i!==""?i:e}connectedCallback(){super.connectedCallback(),this.hass?.connection.addEventListener("ready",this._onReconnect),this._adoptListener()}disconnectedCallback(){super.disconnectedCallback(),this.hass?.connection.removeEventListener("ready",this._onReconnect),this._handOffListener(),this._stopAll()}_handOffListener(){let e=this._listener,s=this._config?.entity;if(e===null||s===void 0)return;this._listener=null,this._listening=!1,O.get(s)?.abandon();let i=window.setTimeout(()=>{O.delete(s),e.stop()},Jt);O.set(s,{abandon:()=>{window.clearTimeout(i),e.stop()},take:()=>(window.clearTimeout(i),e)})}_adoptListener(){let e=this._config?.entity,s=e===void 0?void 0:O.get(e);if(e===void 0||s===void 0||this._listener!==null)return;O.delete(e);let i=s.take();i.onError=n=>{this._notice=n},this._listener=i,this._listening=!0}willUpdate(e){if(e.has("hass")&&this.hass!==void 0&&this._config!==void 0){let s=this._config.entity;this._info===void 0&&!this._loading&&this._stateStamp()!==this._failedWith&&(this._loaded=""),this._loaded!==s&&(this._loaded=s,this._load())}}_stateStamp(){let e=this._camera;return e===void 0?"":`${e.state} ${e.last_changed}`}async _load(){let e=this.hass,s=this._config;if(!(e===void 0||s===void 0)){this._loading=!0;try{await e.loadBackendTranslation("selector",E);let i=this._stateStamp();try{this._info=await e.callWS({type:`${E}/camera_info`,entity_id:s.entity}),this._error=""}catch(n){this._info=void 0,this._error=f(n),this._failedWith=i}await this._ensureStream()}finally{this._loading=!1}this.requestUpdate()}}async _ensureStream(){customElements.get("ha-camera-stream")===void 0&&window.loadCardHelpers&&((await window.loadCardHelpers()).createCardElement({type:"picture-entity",entity:this._config?.entity}),await Promise.race([customElements.whenDefined("ha-camera-stream"),new Promise(s=>setTimeout(s,3e3))])),this._streamReady=customElements.get("ha-camera-stream")!==void 0}_entity(e){let s=this._info?.entities[e];return s===void 0?void 0:this.hass?.states[s]}get _camera(){return this._config===void 0?void 0:this.hass?.states[this._config.entity]}get _online(){let e=this._camera;return e!==void 0&&e.state!=="unavailable"&&e.state!=="unknown"}render(){let e=this._config;if(e===void 0||this.hass===void 0)return h``;let s=this._camera;if(this._info===void 0)return h`<ha-card>
        <div class="message error" role="alert">
          ${this._error!==""?this._error:s===void 0?this.t("no_entity",{entity:e.entity}):this.t("connecting")}
        </div>
      </ha-card>`;let i=this._info,n=this._online;return h`<ha-card>
      <div class="header">
        <span class="name">${s?.attributes.friendly_name??i.name}</span>
        <span class="badges">${Ft.map(r=>this._badge(r))}</span>
      </div>
      <div
        class="picture"
        tabindex="0"
        aria-label=${this.t("picture")}
        @keydown=${this._onPictureKey}
        @keyup=${this._onPictureKeyUp}
      >
        ${this._picture(s,n)} ${i.pan_tilt&&n?this._pad():l}
      </div>
      ${this._notice!==""?h`<div class="message notice" role="status">${this._notice}</div>`:l}
      <div class="controls">
        ${this._audioButtons(n)}
        <button
          class="record"
          ?disabled=${!n||this._recording}
          @click=${this._record}
          aria-pressed=${this._recording}
        >
          ${this._recording?this.t("recording"):this.t("record")}
        </button>
        ${this._irButton(n)}
      </div>
      ${this._clip!==""?this._lastClip():l}
      ${i.pan_tilt?this._presets(n):l}
      ${i.pan_tilt?this._patrol(n):l}
    </ha-card>`}_badge(e){let s=this._entity(e);if(s===void 0)return l;let i=s.state==="on";return h`<span class="badge ${i?"on":""}" data-badge=${e} title=${this.t(e)}
      >${this.t(e)}</span
    >`}_picture(e,s){if(e===void 0||!s){let n=e===void 0?this.t("no_entity",{entity:this._config?.entity??""}):this.t("offline");return h`<div class="no-video" role="alert">
        <span>${this.t("no_video")}</span><span>${n}</span>
      </div>`}if(this._streamReady)return h`<ha-camera-stream
        .hass=${this.hass}
        .stateObj=${e}
        muted
        controls
        allow-exoplayer
      ></ha-camera-stream>`;let i=e.attributes.access_token;return h`<img
      alt=${this.t("picture")}
      src=${`/api/camera_proxy_stream/${e.entity_id}?token=${typeof i=="string"?i:""}`}
    />`}_pad(){return h`<div class="pad" role="group" aria-label=${this.t("pad")}>
      ${qt.map(([e,s])=>h`<button
          class="dir"
          data-direction=${e}
          aria-label=${this.t(e)}
          title=${this.t(e)}
          @pointerdown=${i=>{i.preventDefault(),i.currentTarget.setPointerCapture(i.pointerId),this._press(e)}}
          @pointerup=${()=>{this._release()}}
          @pointercancel=${()=>{this._release()}}
          @keydown=${i=>{(i.key===" "||i.key==="Enter")&&!i.repeat&&(i.preventDefault(),this._press(e))}}
          @keyup=${i=>{(i.key===" "||i.key==="Enter")&&this._release()}}
          @contextmenu=${i=>{i.preventDefault()}}
        >
          ${s}
        </button>`)}
    </div>`}_audioButtons(e){let i=this._info?.microphone!==!1,n=k.secure;return h`
      <button
        class="listen"
        ?disabled=${!e||!i}
        aria-pressed=${this._listening}
        title=${i?"":this.t("no_microphone")}
        @click=${this._toggleListen}
      >
        ${this._listening?this.t("mute"):this.t("listen")}
      </button>
      <button
        class="talk"
        ?disabled=${!e||!n}
        aria-pressed=${this._talking}
        title=${n?this.t("talk_hold"):this.t("secure_context")}
        @pointerdown=${r=>{r.preventDefault(),r.currentTarget.setPointerCapture(r.pointerId),this._startTalk()}}
        @pointerup=${()=>{this._stopTalk()}}
        @pointercancel=${()=>{this._stopTalk()}}
        @keydown=${r=>{(r.key===" "||r.key==="Enter")&&!r.repeat&&(r.preventDefault(),this._startTalk())}}
        @keyup=${r=>{(r.key===" "||r.key==="Enter")&&this._stopTalk()}}
        @contextmenu=${r=>{r.preventDefault()}}
      >
        ${this._talking?this.t("talking"):this.t("talk")}
      </button>
      ${n?l:h`<div class="message notice">${this.t("secure_context")}</div>`}
    `}_irButton(e){let s=this._entity("infrared");if(s===void 0)return l;let i=s.state==="on";return h`<button
      class="ir"
      ?disabled=${!e||s.state==="unavailable"}
      aria-pressed=${i}
      @click=${()=>this._call("switch",i?"turn_off":"turn_on",s.entity_id)}
    >
      ${this.t(i?"ir_on":"ir_off")}
    </button>`}_lastClip(){return h`<div class="clip">
      <span>${this.t("last_clip")}: ${this._clip}</span>
      ${this._clipUrl!==""?h`<video src=${this._clipUrl} controls preload="metadata" playsinline></video>`:l}
    </div>`}_presets(e){let s=this._entity("ptz_preset"),i=s?.attributes.options??[],n=s?.state;return h`<div class="presets" role="group" aria-label=${this.t("presets")}>
      <span class="label">${this.t("presets")}</span>
      ${i.length===0?h`<span class="hint">${this.t("no_presets")}</span>`:l}
      ${i.map(r=>h`<span class="preset ${r===n?"current":""}">
          <button class="go" ?disabled=${!e} @click=${()=>this._preset("go",r)}>
            ${r}
          </button>
          <button
            class="delete"
            aria-label=${this.t("preset_delete",{preset:r})}
            title=${this.t("preset_delete",{preset:r})}
            @click=${()=>this._preset("delete",r)}
          >
            ×
          </button>
        </span>`)}
      <span class="save">
        <input
          type="text"
          maxlength="40"
          .value=${this._presetName}
          placeholder=${this.t("preset_name")}
          aria-label=${this.t("preset_name")}
          @input=${r=>{this._presetName=r.target.value}}
          @keydown=${r=>{r.key==="Enter"&&this._savePreset()}}
        />
        <button class="save-here" ?disabled=${!e} @click=${this._savePreset}>
          ${this.t("preset_save")}
        </button>
      </span>
    </div>`}_patrol(e){let s=this._entity("ptz_patrol");return s===void 0?l:h`<div class="patrol" role="group" aria-label=${this.t("patrol")}>
      <span class="label">${this.t("patrol")}</span>
      ${Gt.map(i=>h`<button
          ?disabled=${!e}
          aria-pressed=${s.state===i}
          @click=${()=>this._call("select","select_option",s.entity_id,{option:i})}
        >
          ${this.t(`patrol_${i}`)}
        </button>`)}
    </div>`}async _call(e,s,i,n={}){try{await this.hass?.callService(e,s,n,{entity_id:i},!1),this._notice=""}catch(r){this._notice=f(r)}}_press(e){let s=this.hass,i=this._config?.entity;if(!(s===void 0||i===void 0)){if(e==="center"){let n=this._info?.entities.ptz_center;n!==void 0&&this._call("button","press",n);return}this._release(),this._moving=s.connection.subscribeMessage(()=>{},{type:`${E}/move`,entity_id:i,direction:e},{resubscribe:!1}).then(n=>n,n=>(this._notice=f(n),null))}}_release(){let e=this._moving;this._moving=null,e?.then(s=>s?.().catch(()=>{}))}async _startTalk(){let e=this.hass,s=this._config?.entity;if(e===void 0||s===void 0||this._talker!==null)return;if(!k.secure){this._notice=this.t("secure_context");return}let i=new k(e,s,n=>{this._talker===i&&(this._talker=null),this._talking=!1,n!==null&&(this._notice=n)});this._talker=i,this._talking=!0;try{await i.start(),this._notice=""}catch(n){this._talker=null,this._talking=!1;let r=typeof n=="object"&&n!==null&&"name"in n?String(n.name):"";this._notice=r==="NotAllowedError"||r==="SecurityError"?this.t("mic_denied"):r==="NotFoundError"||r==="NotReadableError"?this.t("no_mic"):f(n)}}async _stopTalk(){let e=this._talker;this._talker=null,this._talking=!1,await e?.stop()}async _clipLink(e){let s=/^\/media\/(.+)$/.exec(e);if(s===null||this.hass===void 0)return"";try{return(await this.hass.callWS({type:"media_source/resolve_media",media_content_id:`media-source://media_source/local/${s[1]??""}`})).url}catch{return""}}async _preset(e,s){let i=this.hass,n=this._config?.entity;if(!(i===void 0||n===void 0))try{await i.callWS({type:`${E}/preset`,entity_id:n,action:e,name:s}),this._notice=""}catch(r){this._notice=f(r)}}async _stopAll(){this._release();let e=this._listener;this._listener=null,this._listening=!1,await e?.stop(),await this._stopTalk()}};D.properties={hass:{attribute:!1},_config:{state:!0},_info:{state:!0},_error:{state:!0},_notice:{state:!0},_listening:{state:!0},_talking:{state:!0},_recording:{state:!0},_clip:{state:!0},_clipUrl:{state:!0},_presetName:{state:!0},_streamReady:{state:!0}},D.styles=q`
    :host {
      display: block;
    }
    ha-card {
      overflow: hidden;
      padding-bottom: 8px;
    }
    .header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
      padding: 12px 16px 8px;
      flex-wrap: wrap;
    }
    .name {
      font-size: var(--ha-card-header-font-size, 20px);
      color: var(--primary-text-color);
    }
    .badges {
      display: flex;
      gap: 4px;
    }
    .badge {
      font-size: 12px;
      padding: 2px 8px;
      border-radius: 10px;
      background: var(--secondary-background-color);
      color: var(--secondary-text-color);
    }
    .badge.on {
      background: var(--error-color, #db4437);
      color: var(--text-primary-color, #fff);
    }
    .picture {
      position: relative;
      background: #000;
      aspect-ratio: 4 / 3;
      outline: none;
    }
    .picture:focus-visible {
      box-shadow: inset 0 0 0 3px var(--primary-color);
    }
    .picture ha-camera-stream,
    .picture img {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: contain;
    }
    .no-video {
      position: absolute;
      inset: 0;
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 4px;
      color: #fff;
      text-align: center;
      padding: 16px;
    }
    .pad {
      position: absolute;
      right: 8px;
      bottom: 8px;
      display: grid;
      grid-template-columns: repeat(3, 40px);
      grid-template-rows: repeat(3, 40px);
      gap: 2px;
      opacity: 0.85;
    }
    .pad button {
      width: 40px;
      height: 40px;
      border-radius: 50%;
      border: none;
      background: rgba(0, 0, 0, 0.55);
      color: #fff;
      font-size: 18px;
      touch-action: none;
      user-select: none;
      cursor: pointer;
    }
    .pad button:active,
    .pad button:focus-visible {
      background: var(--primary-color);
      outline: none;
    }
    .controls,
    .presets,
    .patrol,
    .clip {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 6px;
      padding: 8px 16px 0;
    }
    button {
      font: inherit;
      min-height: 36px;
      padding: 0 12px;
      border-radius: 18px;
      border: 1px solid var(--divider-color);
      background: var(--card-background-color, var(--ha-card-background));
      color: var(--primary-text-color);
      cursor: pointer;
    }
    button[aria-pressed="true"] {
      background: var(--primary-color);
      color: var(--text-primary-color, #fff);
    }
    button:disabled {
      opacity: 0.45;
      cursor: default;
    }
    button:focus-visible,
    input:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 1px;
    }
    .talk {
      touch-action: none;
      user-select: none;
    }
    .label {
      color: var(--secondary-text-color);
      margin-right: 4px;
    }
    .hint {
      color: var(--secondary-text-color);
      font-size: 90%;
    }
    .preset {
      display: inline-flex;
    }
    .preset .go {
      border-radius: 18px 0 0 18px;
    }
    .preset .delete {
      border-radius: 0 18px 18px 0;
      border-left: none;
      padding: 0 8px;
    }
    .preset.current .go {
      border-color: var(--primary-color);
      color: var(--primary-color);
    }
    .save {
      display: inline-flex;
      gap: 4px;
    }
    input {
      font: inherit;
      min-height: 32px;
      padding: 0 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color);
      background: var(--secondary-background-color);
      color: var(--primary-text-color);
      width: 10em;
    }
    .message {
      padding: 8px 16px 0;
    }
    .message.error {
      padding: 16px;
      color: var(--error-color, #db4437);
    }
    .message.notice {
      color: var(--warning-color, #ffa600);
    }
    .clip video {
      width: 100%;
      max-height: 240px;
    }
  `;var Xt=[[`${C}-editor`,N],[C,D]],Zt=100,Qt=12e4;function kt(){for(let[o,t]of Xt)customElements.get(o)===void 0&&customElements.define(o,t);return customElements.get("home-assistant")!==void 0}if(!kt()){let o=Date.now(),t=window.setInterval(()=>{(kt()||Date.now()-o>Qt)&&window.clearInterval(t)},Zt)}window.customCards=window.customCards??[];window.customCards.some(o=>o.type===C)||window.customCards.push({type:C,name:"B-Series camera",description:"Live picture, pan/tilt, presets, patrol, IR, listen, talk and record for a B-Series IP camera.",preview:!1});export{D as BSeriesCameraCard,C as CARD_TYPE};
