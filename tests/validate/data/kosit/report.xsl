<?xml version="1.0" encoding="UTF-8"?>
<!-- nif's own report stylesheet for its KoSIT test configurations: turns the report input
     (createreportinput) into a KoSIT report (varl), with levels re-set by the scenario's
     customLevel and an accept/reject assessment. Written for nif's tests. -->
<xsl:stylesheet version="2.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:rep="http://www.xoev.de/de/validator/varl/1"
    xmlns:s="http://www.xoev.de/de/validator/framework/1/scenarios"
    xmlns:in="http://www.xoev.de/de/validator/framework/1/createreportinput"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl"
    exclude-result-prefixes="xs in svrl">

  <xsl:output method="xml" indent="yes"/>

  <xsl:param name="input-document" required="yes"/>

  <xsl:variable name="levels" as="element(s:customLevel)*" select="//s:customLevel"/>

  <xsl:template match="/in:createReportInput">
    <xsl:variable name="steps" as="element(rep:validationStepResult)*">
      <xsl:apply-templates select="in:validationResultsWellformedness, in:validationResultsXmlSchema, in:validationResultsSchematron"/>
    </xsl:variable>
    <rep:report varlVersion="1.0.0" valid="{exists(s:scenario) and not($steps[@valid = 'false'])}">
      <rep:engine><rep:name><xsl:value-of select="in:engine/in:name"/></rep:name></rep:engine>
      <rep:timestamp><xsl:value-of select="in:timestamp"/></rep:timestamp>
      <rep:documentIdentification>
        <rep:documentHash>
          <rep:hashAlgorithm><xsl:value-of select="in:documentIdentification/in:documentHash/in:hashAlgorithm"/></rep:hashAlgorithm>
          <rep:hashValue><xsl:value-of select="in:documentIdentification/in:documentHash/in:hashValue"/></rep:hashValue>
        </rep:documentHash>
        <rep:documentReference><xsl:value-of select="in:documentIdentification/in:documentReference"/></rep:documentReference>
      </rep:documentIdentification>
      <xsl:choose>
        <xsl:when test="s:scenario">
          <rep:scenarioMatched>
            <xsl:copy-of select="s:scenario"/>
            <rep:documentData root="{local-name($input-document/*)}"/>
            <xsl:sequence select="$steps"/>
          </rep:scenarioMatched>
        </xsl:when>
        <xsl:otherwise>
          <rep:noScenarioMatched>
            <xsl:sequence select="$steps"/>
          </rep:noScenarioMatched>
        </xsl:otherwise>
      </xsl:choose>
      <rep:assessment>
        <xsl:choose>
          <xsl:when test="empty(s:scenario) or $steps//rep:message[@level = 'error']"><rep:reject/></xsl:when>
          <xsl:otherwise><rep:accept/></xsl:otherwise>
        </xsl:choose>
      </rep:assessment>
    </rep:report>
  </xsl:template>

  <xsl:template match="in:validationResultsWellformedness | in:validationResultsXmlSchema">
    <xsl:variable name="id" select="if (self::in:validationResultsXmlSchema) then 'val-xsd' else 'val-xml'"/>
    <xsl:variable name="messages" as="element(rep:message)*">
      <xsl:for-each select="in:xmlSyntaxError">
        <rep:message id="{$id}.{position()}" code="{if (in:code) then in:code else 'xsd'}"
            level="{rep:level(string(in:code), if (in:severityCode = 'SEVERITY_WARNING') then 'warning' else 'error')}">
          <xsl:if test="in:rowNumber"><xsl:attribute name="lineNumber" select="in:rowNumber"/></xsl:if>
          <xsl:if test="in:columnNumber"><xsl:attribute name="columnNumber" select="in:columnNumber"/></xsl:if>
          <xsl:value-of select="in:message"/>
        </rep:message>
      </xsl:for-each>
    </xsl:variable>
    <rep:validationStepResult id="{$id}" valid="{not($messages[@level = 'error'])}">
      <xsl:copy-of select="s:resource"/>
      <xsl:sequence select="$messages"/>
    </rep:validationStepResult>
  </xsl:template>

  <xsl:template match="in:validationResultsSchematron">
    <xsl:variable name="id" select="concat('val-sch.', count(preceding-sibling::in:validationResultsSchematron) + 1)"/>
    <xsl:variable name="messages" as="element(rep:message)*">
      <xsl:for-each select="in:results/svrl:schematron-output/(svrl:failed-assert | svrl:successful-report)">
        <xsl:variable name="flag" select="lower-case(string((@flag, @role)[1]))"/>
        <rep:message id="{$id}.{position()}" code="{(@id, 'UNSPECIFIC')[1]}" xpathLocation="{@location}"
            level="{rep:level(string(@id), if ($flag = ('warning', 'warn')) then 'warning' else if ($flag = ('information', 'info')) then 'information' else 'error')}">
          <xsl:value-of select="normalize-space(svrl:text)"/>
        </rep:message>
      </xsl:for-each>
    </xsl:variable>
    <rep:validationStepResult id="{$id}" valid="{not($messages[@level = 'error'])}">
      <xsl:copy-of select="s:resource"/>
      <xsl:sequence select="$messages"/>
    </rep:validationStepResult>
  </xsl:template>

  <xsl:function name="rep:level" as="xs:string">
    <xsl:param name="code" as="xs:string"/>
    <xsl:param name="level" as="xs:string"/>
    <xsl:variable name="custom" select="$levels[$code = tokenize(normalize-space(.), ' ')][1]"/>
    <xsl:sequence select="if ($custom) then string($custom/@level) else $level"/>
  </xsl:function>
</xsl:stylesheet>
